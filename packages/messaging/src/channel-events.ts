import type { MessagingError } from './errors.js';
import type { FrameKind } from './frame-kind.js';
import type { PeerInfo } from './session.js';

/** A message the channel refused, as a monitor sees it (`onReject`). */
export interface ChannelRejectEvent {
  readonly error: MessagingError;
  /** Which part of the protocol refused it. */
  readonly stage: 'handshake' | 'frame' | 'transport';
}

/** A new session replaced the previous one (`onRehandshake`). */
export interface RehandshakeEvent {
  readonly sessionId: number;
  readonly peer: PeerInfo;
}

/** The channel closed (`onClose`); `error` says why, unless it was closed locally. */
export interface ChannelCloseEvent {
  readonly error: MessagingError | undefined;
}

/** A session frame that authenticated. */
export interface AcceptedFrameEvent {
  readonly verdict: 'accepted';
  /** The frame as it arrived on the transport. */
  readonly bytes: Uint8Array;
  readonly kind: FrameKind;
  /** The plaintext the frame carried (empty for a KEEPALIVE). */
  readonly data: Uint8Array;
}

/** A message that was not a handshake message, refused. Nothing in it was believed. */
export interface RejectedFrameEvent {
  readonly verdict: 'rejected';
  /** The message as it arrived on the transport. */
  readonly bytes: Uint8Array;
  /**
   * The frame kind its header claims, if its type byte names one; the header
   * did not authenticate, so this is only what the sender wrote.
   */
  readonly claimedKind: FrameKind | undefined;
  /** Also reported on `onReject`, with stage `frame`. */
  readonly error: MessagingError;
}

/** Every message the channel received that was not a handshake message, with its verdict (`onFrame`). */
export type ChannelFrameEvent = AcceptedFrameEvent | RejectedFrameEvent;

/** A snapshot of a channel's running totals (`stats()`); none of them ever decreases. */
export interface ChannelStats {
  /** Frames handed to the transport (`send` and `end`). */
  readonly sent: number;
  /** Frames delivered (DATA, STREAM, FINAL; not KEEPALIVEs). */
  readonly received: number;
  /** Messages reported on `onReject`. */
  readonly rejected: number;
  /** Sessions installed: the first handshake and every re-handshake. */
  readonly handshakes: number;
  /**
   * Times this side ratcheted its sending key within a session (`limits.rekeyAfter`,
   * `limits.rekeyAfterMessages`), over every session the channel has had.
   */
  readonly rekeys: number;
}

/** The payload of each of a channel's events. */
export interface ChannelEvents {
  readonly message: Uint8Array;
  readonly frame: ChannelFrameEvent;
  readonly reject: ChannelRejectEvent;
  readonly rehandshake: RehandshakeEvent;
  readonly end: undefined;
  readonly close: ChannelCloseEvent;
}
