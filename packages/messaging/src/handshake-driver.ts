import type { ChannelRejectEvent } from './channel-events.js';
import type { ChannelSettings } from './channel-options.js';
import type { ChannelTimers } from './channel-timers.js';
import type { MessagingError } from './errors.js';
import type { Session } from './session.js';
import type { MessageType } from './wire.js';

/** What a channel lends the driver of its handshakes. */
export interface ChannelHost {
  readonly settings: ChannelSettings;
  readonly timers: ChannelTimers;
  /** The session frames are sent on, once the first handshake completed. */
  current(): Session | undefined;
  isClosed(): boolean;
  /** Hands bytes to the transport. */
  transmit(bytes: Uint8Array): void;
  /** Makes `session` the current one: the first opens the channel, later ones replace the current one. */
  install(session: Session): void;
  /** Reports a refusal on `onReject`. */
  report(error: MessagingError, stage: ChannelRejectEvent['stage']): void;
  /**
   * The first handshake cannot complete: `ready` and the queued sends reject
   * with `reason`, and the channel closes with `error`.
   */
  abandon(reason: Error, error: MessagingError): void;
}

/**
 * One side's handshakes on a channel: the initiator starts them (and
 * re-handshakes before the session expires), the responder answers them.
 * The channel hands it every handshake message and asks it about sessions
 * it holds but has not installed yet.
 */
export interface HandshakeDriver {
  /** Starts the first handshake (initiator) or the wait for one (responder). */
  start(): void;
  /** A HELLO, RESPONSE or FINISH arrived. Throws (rejects with) a `MessagingError` to refuse it. */
  receive(type: MessageType, bytes: Uint8Array): Promise<void>;
  /** A session with this id that the driver holds and the peer has not confirmed yet. */
  unconfirmed(sessionId: number): Session | undefined;
  /** A frame authenticated under a session `unconfirmed` returned: the peer has it too. */
  confirmed(session: Session): void;
  /** `session` became the current one. */
  installed(session: Session): void;
  /** The channel sent a frame on `session`. */
  sent(session: Session): void;
  /** The channel refused a message (the latest refusal explains a handshake that times out). */
  refused(error: MessagingError): void;
  /** The channel closed: erase what is pending. Its timers are already cancelled. */
  close(reason: string): void;
}
