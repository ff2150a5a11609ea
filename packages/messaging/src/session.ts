import { type Clock, type Event, InvalidArgumentError } from '@palisade/core';
import { SafeEventEmitter } from '@palisade/core/internal';
import { readUint32, utf8, writeUint32, writeUint64 } from './bytes.js';
import {
  AuthenticationFailedError,
  MalformedMessageError,
  type MessagingError,
  OutOfOrderError,
  ReplayedMessageError,
  SessionClosedError,
  SessionExpiredError,
  StaleEpochError,
  StreamTruncatedError,
  UnexpectedMessageError,
  UnknownSessionError,
  UnsupportedVersionError,
} from './errors.js';
import { hkdfExpand } from './hkdf.js';
import { naclLowLevel } from './nacl.js';
import { ReplayWindow } from './replay-window.js';
import type { ResolvedSessionLimits } from './session-limits.js';
import { Direction, FRAME_HEADER_LENGTH, FRAME_NONCE_TAG, FRAME_OVERHEAD, MessageType, WIRE_VERSION } from './wire.js';

/** `datagram`: frames may be lost or reordered within the replay window. `stream`: strictly in order, ended by FINAL. */
export type SessionMode = 'datagram' | 'stream';

/** Who is on the other end, as the handshake authenticated it. */
export interface PeerInfo {
  readonly nodeId: string;
  readonly epoch: number;
}

/** What `session.open` found in a frame. Only ever returned after the frame authenticated. */
export interface OpenedFrame {
  readonly kind: 'data' | 'keepalive' | 'final';
  readonly data: Uint8Array;
  readonly counter: number;
  readonly epoch: number;
}

/** A frame the session refused (`onReject`); `open` throws the same error. */
export interface SessionRejectEvent {
  readonly error: MessagingError;
}

/** A snapshot of a session's counters (`stats()`); the counts never decrease. */
export interface SessionStats {
  readonly sent: number;
  readonly received: number;
  readonly rejected: number;
  readonly sendEpoch: number;
  readonly receiveEpoch: number;
}

/** The keys and parameters a completed handshake hands to a session. */
export interface SessionKeys {
  readonly role: 'initiator' | 'responder';
  readonly sessionId: number;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly mode: SessionMode;
  readonly localNodeId: string;
  readonly peer: PeerInfo;
  /** SHA-512 of the whole handshake; equal on both sides. */
  readonly transcriptHash: Uint8Array;
}

/** Frames sealed under an epoch more than this many ratchet steps ahead are refused unopened. */
export const MAX_EPOCH_SKIP = 8;
const REKEY_INFO = utf8('palisade/v1 rekey');

/** One ratchet step: the next epoch's key, from which the old one cannot be recovered. */
export function ratchetKey(key: Uint8Array): Uint8Array {
  return hkdfExpand(key, REKEY_INFO, 32);
}

interface SendState {
  key: Uint8Array;
  epoch: number;
  epochStartedAt: number;
  sentInEpoch: number;
  nextCounter: number;
}

interface ReceiveState {
  key: Uint8Array;
  epoch: number;
  nextInStream: number;
  received: number;
  finalReceived: boolean;
}

/**
 * An established, authenticated channel state: seals and opens frames. It
 * does no I/O; feed it bytes from any transport. Every frame is secretbox
 * (XSalsa20-Poly1305) under a per-direction key with a nonce built from the
 * whole frame header, so the header is authenticated along with the message.
 *
 * Nothing about a frame is believed, and no state changes, until its tag
 * verifies: only then does the replay window move, the epoch ratchet, and
 * the plaintext come out.
 */
export class Session {
  readonly id: number;
  readonly role: 'initiator' | 'responder';
  readonly mode: SessionMode;
  readonly localNodeId: string;
  readonly peer: PeerInfo;
  readonly transcriptHash: Uint8Array;
  /** Clock time the session was established. */
  readonly createdAt: number;
  readonly #clock: Clock;
  readonly #limits: ResolvedSessionLimits;
  readonly #send: SendState;
  readonly #receive: ReceiveState;
  readonly #sendDirection: Direction;
  readonly #receiveDirection: Direction;
  readonly #window: ReplayWindow;
  readonly #nonce = new Uint8Array(24);
  readonly #rejectedEmitter = new SafeEventEmitter<SessionRejectEvent>();
  #rejected = 0;
  #closedReason: string | undefined;
  #finalSent = false;

  /** Every frame this session refused, with its typed error. For monitors; `open` also throws it. */
  readonly onReject: Event<SessionRejectEvent> = this.#rejectedEmitter.addListener;

  constructor(keys: SessionKeys, clock: Clock, limits: ResolvedSessionLimits) {
    this.id = keys.sessionId;
    this.role = keys.role;
    this.mode = keys.mode;
    this.localNodeId = keys.localNodeId;
    this.peer = Object.freeze({ ...keys.peer });
    this.transcriptHash = keys.transcriptHash;
    this.#clock = clock;
    this.#limits = limits;
    this.createdAt = clock.now();
    this.#send = { key: keys.sendKey, epoch: 0, epochStartedAt: this.createdAt, sentInEpoch: 0, nextCounter: 0 };
    this.#receive = { key: keys.receiveKey, epoch: 0, nextInStream: 0, received: 0, finalReceived: false };
    const initiator = keys.role === 'initiator';
    this.#sendDirection = initiator ? Direction.initiatorToResponder : Direction.responderToInitiator;
    this.#receiveDirection = initiator ? Direction.responderToInitiator : Direction.initiatorToResponder;
    this.#window = new ReplayWindow(limits.replayWindow);
    this.#nonce.set(FRAME_NONCE_TAG);
  }

  get closed(): boolean {
    return this.#closedReason !== undefined;
  }

  /** True once a FINAL frame was received (stream mode). */
  get ended(): boolean {
    return this.#receive.finalReceived;
  }

  stats(): SessionStats {
    return {
      sent: this.#send.nextCounter,
      received: this.#receive.received,
      rejected: this.#rejected,
      sendEpoch: this.#send.epoch,
      receiveEpoch: this.#receive.epoch,
    };
  }

  /** True once the session is old or busy enough that a channel should replace it by a new handshake. */
  get needsRehandshake(): boolean {
    return (
      this.#clock.now() - this.createdAt >= this.#limits.rehandshakeAfter ||
      this.#send.nextCounter >= this.#limits.rehandshakeAfterMessages
    );
  }

  /** Seals application data: a DATA frame in datagram mode, a STREAM frame in stream mode. */
  seal(plaintext: Uint8Array): Uint8Array {
    return this.#seal(this.mode === 'stream' ? MessageType.stream : MessageType.data, plaintext);
  }

  /** An authenticated empty frame the receiver does not deliver (liveness, key confirmation). */
  sealKeepalive(): Uint8Array {
    return this.#seal(MessageType.keepalive, new Uint8Array(0));
  }

  /** Stream mode: the FINAL frame, optionally with a last piece of data. Nothing may be sealed after it. */
  end(plaintext: Uint8Array = new Uint8Array(0)): Uint8Array {
    if (this.mode !== 'stream') {
      throw new InvalidArgumentError('session', 'a session in stream mode (end() marks a stream FINAL)', this.mode);
    }
    const frame = this.#seal(MessageType.streamFinal, plaintext);
    this.#finalSent = true;
    return frame;
  }

  #seal(type: MessageType, plaintext: Uint8Array): Uint8Array {
    if (!(plaintext instanceof Uint8Array)) throw new InvalidArgumentError('plaintext', 'a Uint8Array', plaintext);
    this.#assertUsable();
    if (this.#finalSent) throw new SessionClosedError('the stream was ended');
    const send = this.#send;
    if (send.nextCounter >= this.#limits.rejectAfterMessages) throw new SessionExpiredError('messages');
    const now = this.#clock.now();
    if (send.sentInEpoch >= this.#limits.rekeyAfterMessages || now - send.epochStartedAt >= this.#limits.rekeyAfter) {
      const next = ratchetKey(send.key);
      send.key.fill(0);
      send.key = next;
      send.epoch++;
      send.epochStartedAt = now;
      send.sentInEpoch = 0;
    }
    const counter = send.nextCounter;
    const length = plaintext.length;
    // crypto_secretbox wants 32 zero bytes before the message and writes 16
    // zero bytes before its tag; letting those 16 fall on the header's tail
    // seals the frame in place, with one copy of the message.
    const padded = new Uint8Array(32 + length);
    padded.set(plaintext, 32);
    const frame = new Uint8Array(FRAME_OVERHEAD + length);
    const nonce = this.#buildNonce(this.#sendDirection, type, send.epoch, counter);
    naclLowLevel.crypto_secretbox(frame.subarray(FRAME_HEADER_LENGTH - 16), padded, 32 + length, nonce, send.key);
    frame[0] = WIRE_VERSION;
    frame[1] = type;
    writeUint32(frame, 2, this.id);
    writeUint32(frame, 6, send.epoch);
    writeUint64(frame, 10, counter);
    send.nextCounter = counter + 1;
    send.sentInEpoch++;
    return frame;
  }

  /**
   * Authenticates and decrypts one frame. Throws a typed `MessagingError` for
   * anything else, and emits it on `onReject`; a refused frame changes no
   * state.
   */
  open(frame: Uint8Array): OpenedFrame {
    try {
      return this.#open(frame);
    } catch (error) {
      this.#rejected++;
      this.#rejectedEmitter.emit({ error: error as MessagingError });
      throw error;
    }
  }

  #open(frame: Uint8Array): OpenedFrame {
    if (!(frame instanceof Uint8Array)) throw new MalformedMessageError('frame', 'not-bytes');
    if (frame.length < FRAME_OVERHEAD) throw new MalformedMessageError('frame', 'truncated', `${frame.length} bytes`);
    if (frame[0] !== WIRE_VERSION) throw new UnsupportedVersionError(frame[0] as number);
    const type = frame[1] as number;
    const streamType = type === MessageType.stream || type === MessageType.streamFinal;
    if (!streamType && type !== MessageType.data && type !== MessageType.keepalive) {
      throw new MalformedMessageError('frame', 'unknown-type', `0x${type.toString(16)}`);
    }
    if (type !== MessageType.keepalive && (this.mode === 'stream') !== streamType) {
      throw new UnexpectedMessageError(type, `in a ${this.mode}-mode session`);
    }
    if (type === MessageType.keepalive && frame.length !== FRAME_OVERHEAD) {
      // Nothing delivers a KEEPALIVE's contents, so a non-empty one could
      // only be a side channel past the application: refuse it unopened.
      throw new MalformedMessageError('frame', 'bad-length', 'a KEEPALIVE carries no data');
    }
    const sessionId = readUint32(frame, 2);
    if (sessionId !== this.id) throw new UnknownSessionError(sessionId);
    this.#assertUsable();
    const receive = this.#receive;
    if (receive.finalReceived) throw new SessionClosedError('the stream already ended');
    const epoch = readUint32(frame, 6);
    const high = readUint32(frame, 10);
    if (high >= 2 ** 21) throw new MalformedMessageError('frame', 'counter-out-of-range');
    const counter = high * 2 ** 32 + readUint32(frame, 14);
    if (counter >= this.#limits.rejectAfterMessages) throw new MalformedMessageError('frame', 'counter-out-of-range');
    if (epoch < receive.epoch || epoch - receive.epoch > MAX_EPOCH_SKIP)
      throw new StaleEpochError(epoch, receive.epoch);
    if (this.mode === 'stream') {
      if (counter !== receive.nextInStream) {
        if (counter < receive.nextInStream) throw new ReplayedMessageError('duplicate', counter);
        throw new OutOfOrderError(receive.nextInStream, counter);
      }
    } else {
      this.#window.check(counter);
    }

    let key = receive.key;
    const candidates: Uint8Array[] = [];
    for (let step = receive.epoch; step < epoch; step++) {
      key = ratchetKey(key);
      candidates.push(key);
    }
    const length = frame.length - FRAME_OVERHEAD;
    const padded = new Uint8Array(32 + length);
    const nonce = this.#buildNonce(this.#receiveDirection, type as MessageType, epoch, counter);
    const status = naclLowLevel.crypto_secretbox_open(
      padded,
      frame.subarray(FRAME_HEADER_LENGTH - 16),
      32 + length,
      nonce,
      key,
    );
    if (status !== 0) {
      for (const candidate of candidates) candidate.fill(0);
      throw new AuthenticationFailedError('frame');
    }

    if (epoch > receive.epoch) {
      receive.key.fill(0);
      for (let i = 0; i < candidates.length - 1; i++) (candidates[i] as Uint8Array).fill(0);
      receive.key = key;
      receive.epoch = epoch;
    }
    if (this.mode === 'stream') receive.nextInStream = counter + 1;
    else this.#window.accept(counter);
    receive.received++;
    const kind = type === MessageType.keepalive ? 'keepalive' : type === MessageType.streamFinal ? 'final' : 'data';
    if (kind === 'final') receive.finalReceived = true;
    return { kind, data: padded.subarray(32), counter, epoch };
  }

  /**
   * Stream mode: call when the transport ends. Throws `StreamTruncatedError`
   * unless the authenticated FINAL frame arrived.
   */
  assertStreamComplete(): void {
    if (this.mode === 'stream' && !this.#receive.finalReceived) {
      throw new StreamTruncatedError(this.#receive.received);
    }
  }

  /** Erases the keys. Later calls to `seal` or `open` throw `SessionClosedError`. */
  close(reason = 'closed locally'): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#send.key.fill(0);
    this.#receive.key.fill(0);
  }

  #assertUsable(): void {
    if (this.#closedReason !== undefined) throw new SessionClosedError(this.#closedReason);
    if (this.#clock.now() - this.createdAt >= this.#limits.rejectAfter) throw new SessionExpiredError('time');
  }

  /**
   * Nonce = "plsf" ‖ direction ‖ version ‖ type ‖ 0 ‖ session id ‖ epoch ‖
   * counter: every header byte plus the direction, so changing any of them
   * changes the Poly1305 key and the tag no longer verifies.
   */
  #buildNonce(direction: Direction, type: MessageType, epoch: number, counter: number): Uint8Array {
    const nonce = this.#nonce;
    nonce[4] = direction;
    nonce[5] = WIRE_VERSION;
    nonce[6] = type;
    nonce[7] = 0;
    writeUint32(nonce, 8, this.id);
    writeUint32(nonce, 12, epoch);
    writeUint64(nonce, 16, counter);
    return nonce;
  }
}
