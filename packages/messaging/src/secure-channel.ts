import {
  type Clock,
  cancellationError,
  DeadlineExceededError,
  durationOption,
  type Event,
  EventEmitter,
  type IDisposable,
  InvalidArgumentError,
  isPalisadeError,
  onAbort,
  optionsObject,
  realClock,
  type TimerHandle,
} from '@palisade/core';
import { bytesEqual, ownCopy, readUint32 } from './bytes.js';
import {
  KeyRevokedError,
  MalformedMessageError,
  MessagingError,
  SessionClosedError,
  SessionExpiredError,
  StreamTruncatedError,
  UnexpectedMessageError,
  UnknownSessionError,
} from './errors.js';
import {
  HandshakeInitiator,
  type HandshakeOptions,
  HandshakeResponder,
  type InitiatorOptions,
  type ResponderOptions,
} from './handshake.js';
import type { PeerInfo, Session } from './session.js';
import { resolveSessionLimits } from './session-limits.js';
import type { Transport } from './transport.js';
import { isFrameType, isHandshakeType, MessageType, peekMessageType } from './wire.js';

export interface ChannelOptions extends HandshakeOptions {
  /** Resend a fresh HELLO when no answer came within this time (WireGuard REKEY_TIMEOUT). @default 5_000 */
  readonly handshakeRetry?: number;
  /** Give up a handshake after this long (WireGuard REKEY_ATTEMPT_TIME). @default 90_000 */
  readonly handshakeTimeout?: number;
  /** Aborting it closes the channel (and rejects `ready` if still pending). */
  readonly signal?: AbortSignal;
}

export interface ConnectOptions extends ChannelOptions, Pick<InitiatorOptions, 'peer' | 'mode'> {}
export interface AcceptOptions extends ChannelOptions, Pick<ResponderOptions, 'authorize'> {}

/** A rejected message, as a monitor sees it. */
export interface RejectionEvent {
  readonly error: MessagingError;
  /** Which part of the protocol refused it. */
  readonly stage: 'handshake' | 'frame' | 'transport';
}

export interface RehandshakeEvent {
  readonly sessionId: number;
  readonly peer: PeerInfo;
}

export interface ChannelStats {
  readonly sent: number;
  readonly received: number;
  readonly rejected: number;
  readonly handshakes: number;
}

type Role = 'initiator' | 'responder';

interface PendingConfirm {
  readonly session: Session;
}

/**
 * A session bound to a transport: runs the handshake (with retries on lossy
 * links), delivers authenticated messages, re-handshakes before the session
 * expires (the initiator does, as in WireGuard), and closes when the peer's
 * key is revoked. Every refused message is reported on `onReject`.
 */
export class SecureChannel {
  readonly role: Role;
  /** Resolves once the first session is established and confirmed; rejects if that fails. */
  readonly ready: Promise<SecureChannel>;

  readonly #transport: Transport;
  readonly #options: ConnectOptions | AcceptOptions;
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #timeoutMs: number;
  readonly #rehandshakeAfter: number;
  readonly #rejectAfter: number;
  readonly #subscriptions: IDisposable[] = [];
  readonly #timers = new Set<TimerHandle>();
  readonly #messages = new EventEmitter<Uint8Array>();
  readonly #rejections = new EventEmitter<RejectionEvent>();
  readonly #closes = new EventEmitter<{ readonly error: MessagingError | undefined }>();
  readonly #rehandshakes = new EventEmitter<RehandshakeEvent>();
  readonly #ends = new EventEmitter<void>();
  #current: Session | undefined;
  #previous: Session | undefined;
  #pendingInitiator: HandshakeInitiator | undefined;
  #pendingConfirm: PendingConfirm | undefined;
  #pendingResponder: HandshakeResponder | undefined;
  #lastFinish: Uint8Array | undefined;
  #lastConfirmationAt = Number.NEGATIVE_INFINITY;
  #handshakeInFlight: { resolve: () => void; reject: (error: Error) => void; lastError?: Error } | undefined;
  #retryTimer: TimerHandle | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closedError: MessagingError | undefined;
  #closed = false;
  #sent = 0;
  #received = 0;
  #rejected = 0;
  #handshakes = 0;
  #resolveReady!: (channel: SecureChannel) => void;
  #rejectReady!: (error: Error) => void;

  /** An authenticated application message. */
  readonly onMessage: Event<Uint8Array> = this.#messages.addListener;
  /** A message was refused: tampered, replayed, forged, unexpected, from a revoked key… */
  readonly onReject: Event<RejectionEvent> = this.#rejections.addListener;
  /** The channel closed; `error` says why unless it was closed locally. */
  readonly onClose: Event<{ readonly error: MessagingError | undefined }> = this.#closes.addListener;
  /** A new session replaced the previous one with no interruption. */
  readonly onRehandshake: Event<RehandshakeEvent> = this.#rehandshakes.addListener;
  /** Stream mode: the peer's authenticated FINAL arrived. */
  readonly onEnd: Event<void> = this.#ends.addListener;

  constructor(transport: Transport, role: Role, options: ConnectOptions | AcceptOptions) {
    const given = optionsObject('options', options);
    if (transport === null || typeof transport !== 'object' || typeof transport.send !== 'function') {
      throw new InvalidArgumentError('transport', 'a Transport', transport);
    }
    this.role = role;
    this.#transport = transport;
    this.#options = given;
    this.#clock = given.clock ?? realClock;
    this.#retryMs = durationOption('handshakeRetry', given.handshakeRetry ?? 5_000, { min: 1 });
    this.#timeoutMs = durationOption('handshakeTimeout', given.handshakeTimeout ?? 90_000, { min: 1 });
    const limits = resolveSessionLimits(given.limits);
    this.#rehandshakeAfter = limits.rehandshakeAfter;
    this.#rejectAfter = limits.rejectAfter;
    // Validate the handshake options now, at the call site, not in a timer.
    if (role === 'initiator') new HandshakeInitiator(given as ConnectOptions);
    else new HandshakeResponder(given as AcceptOptions);

    this.ready = new Promise<SecureChannel>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});

    this.#subscriptions.push(
      transport.onReceive((bytes) => {
        // Handled later, after the messages queued before it: copy now, while
        // the transport's buffer still holds this message.
        const message = ownCopy(bytes);
        this.#queue = this.#queue.then(() => this.#handle(message));
      }),
      transport.onClose(() => this.#onTransportClosed()),
      given.directory.onRevoke((event) => {
        const peer = this.#current?.peer;
        if (event.kind !== 'key' || peer === undefined) return;
        if (event.nodeId === peer.nodeId && event.epochs.includes(peer.epoch)) {
          this.#shutdown(new KeyRevokedError(peer.nodeId, peer.epoch));
        } else if (event.nodeId === given.identity.nodeId && event.epochs.includes(given.identity.epoch)) {
          this.#shutdown(new KeyRevokedError(event.nodeId, given.identity.epoch));
        }
      }),
      onAbort(given.signal, () => {
        const error = cancellationError(given.signal as AbortSignal);
        this.#rejectReady(error);
        this.#shutdown(new SessionClosedError('cancelled by its AbortSignal'));
      }),
    );
    if (transport.onError !== undefined) {
      this.#subscriptions.push(
        transport.onError((error) => {
          this.#reject(
            error instanceof MessagingError ? error : new MalformedMessageError('transport message', 'not-bytes'),
            'transport',
          );
        }),
      );
    }

    if (role === 'initiator') {
      this.#handshake().then(
        () => this.#resolveReady(this),
        (error: Error) => {
          this.#rejectReady(error);
          this.#shutdown(error instanceof MessagingError ? error : new SessionClosedError('handshake failed'));
        },
      );
    } else {
      this.#setTimer(() => {
        if (this.#current === undefined) {
          const error = new DeadlineExceededError(
            this.#timeoutMs,
            `No handshake completed within ${this.#timeoutMs} ms.`,
          );
          this.#rejectReady(error);
          this.#shutdown(new SessionClosedError('no handshake completed in time'));
        }
      }, this.#timeoutMs);
    }
  }

  /** The authenticated peer of the current session. */
  get peer(): PeerInfo | undefined {
    return this.#current?.peer;
  }

  /** The current session (for inspection; the channel drives it). */
  get session(): Session | undefined {
    return this.#current;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): ChannelStats {
    return { sent: this.#sent, received: this.#received, rejected: this.#rejected, handshakes: this.#handshakes };
  }

  /** Seals and sends one message. Throws `SessionClosedError` before `ready` or after close. */
  send(data: Uint8Array): void {
    const session = this.#usableSession();
    this.#transport.send(session.seal(data));
    this.#sent++;
    if (this.role === 'initiator' && session.needsRehandshake && session.mode === 'datagram') this.#startRehandshake();
  }

  /** Stream mode: sends the FINAL frame (with optional last data). The peer's `onEnd` fires. */
  end(data?: Uint8Array): void {
    const session = this.#usableSession();
    this.#transport.send(session.end(data));
    this.#sent++;
  }

  /** Closes the channel and the transport and erases all keys. */
  close(): void {
    this.#shutdown(undefined);
  }

  #usableSession(): Session {
    if (this.#closed) throw new SessionClosedError(this.#closedError?.message ?? 'the channel was closed');
    if (this.#current === undefined)
      throw new SessionClosedError('the handshake has not completed; await channel.ready');
    return this.#current;
  }

  #handshake(): Promise<void> {
    this.#handshakeInFlight?.reject(new SessionClosedError('superseded'));
    return new Promise<void>((resolve, reject) => {
      const attempt = { resolve, reject, lastError: undefined as Error | undefined };
      this.#handshakeInFlight = attempt;
      const deadline = this.#setTimer(() => {
        if (this.#handshakeInFlight !== attempt) return;
        this.#handshakeInFlight = undefined;
        this.#cancelRetry();
        const error = new DeadlineExceededError(
          this.#timeoutMs,
          `The handshake with ${JSON.stringify((this.#options as ConnectOptions).peer)} did not complete within ${this.#timeoutMs} ms${attempt.lastError === undefined ? '' : ` (last rejection: ${attempt.lastError.message})`}.`,
        );
        if (attempt.lastError !== undefined) error.cause = attempt.lastError;
        reject(error);
      }, this.#timeoutMs);
      const finish = (): void => this.#clearTimer(deadline);
      attempt.resolve = () => {
        finish();
        resolve();
      };
      attempt.reject = (error) => {
        finish();
        reject(error);
      };
      void this.#sendHello();
    });
  }

  async #sendHello(): Promise<void> {
    if (this.#closed || this.#handshakeInFlight === undefined) return;
    const initiator = new HandshakeInitiator(this.#options as ConnectOptions);
    this.#pendingInitiator = initiator;
    this.#pendingConfirm = undefined;
    this.#cancelRetry();
    this.#retryTimer = this.#setTimer(() => void this.#sendHello(), this.#retryMs);
    try {
      const hello = await initiator.start();
      if (this.#pendingInitiator === initiator && !this.#closed) this.#transport.send(hello);
    } catch (error) {
      this.#handshakeInFlight?.reject(error as Error);
    }
  }

  #startRehandshake(): void {
    if (this.#handshakeInFlight !== undefined || this.#closed) return;
    this.#handshake().catch((error: Error) => {
      // The current session keeps working until it expires; report and let
      // the expiry timer close the channel if no handshake ever succeeds.
      if (error instanceof MessagingError) this.#reject(error, 'handshake');
    });
  }

  async #handle(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return;
    try {
      const type = peekMessageType(bytes, 'message');
      if (isHandshakeType(type)) await this.#handleHandshake(type, bytes);
      else if (isFrameType(type)) this.#handleFrame(bytes);
      else throw new UnexpectedMessageError(type, 'on a channel');
    } catch (error) {
      if (isPalisadeError(error) && error instanceof MessagingError) {
        this.#reject(error, isHandshakeType(bytes[1] ?? 0) ? 'handshake' : 'frame');
        if (this.#handshakeInFlight !== undefined) this.#handshakeInFlight.lastError = error;
      } else {
        // A bug, not an attack: stop rather than keep running in an unknown state.
        this.#shutdown(new SessionClosedError(`internal error: ${(error as Error)?.message ?? String(error)}`));
      }
    }
  }

  async #handleHandshake(type: number, bytes: Uint8Array): Promise<void> {
    if (this.role === 'initiator') {
      const initiator = this.#pendingInitiator;
      if (type !== MessageType.response || initiator === undefined || initiator.state !== 'waiting') {
        throw new UnexpectedMessageError(type, 'the initiator expects only a RESPONSE to its latest HELLO');
      }
      const { finish, session } = await initiator.receiveResponse(bytes);
      if (this.#closed || this.#pendingInitiator !== initiator) {
        session.close('superseded');
        return;
      }
      this.#pendingConfirm?.session.close('superseded');
      this.#pendingConfirm = { session };
      this.#transport.send(finish);
      return;
    }
    if (type === MessageType.hello) {
      const responder = new HandshakeResponder(this.#options as AcceptOptions);
      const response = await responder.receiveHello(bytes);
      if (this.#closed) return;
      this.#pendingResponder = responder;
      this.#transport.send(response);
      return;
    }
    if (type === MessageType.finish) {
      if (this.#lastFinish !== undefined && this.#current !== undefined && bytesEqual(this.#lastFinish, bytes)) {
        // An honest initiator never resends a FINISH (it retries with a new
        // HELLO), so this is a duplicate from the network or a replay. Our
        // confirmation may have been lost, so confirm again, but no more than
        // once per retry period: otherwise each replayed copy buys the
        // attacker a fresh frame.
        const now = this.#clock.now();
        if (now - this.#lastConfirmationAt >= this.#retryMs) {
          this.#lastConfirmationAt = now;
          this.#transport.send(this.#current.sealKeepalive());
        }
        throw new UnexpectedMessageError(type, 'its handshake is already complete (a duplicated or replayed FINISH)');
      }
      const responder = this.#pendingResponder;
      if (responder === undefined || responder.state !== 'waiting') {
        throw new UnexpectedMessageError(type, 'no HELLO is awaiting its FINISH');
      }
      this.#pendingResponder = undefined;
      const session = await responder.receiveFinish(bytes);
      if (this.#closed) {
        session.close('channel closed');
        return;
      }
      const previousPeer = this.#current?.peer.nodeId;
      if (previousPeer !== undefined && previousPeer !== session.peer.nodeId) {
        session.close('peer changed');
        throw new UnexpectedMessageError(type, `a channel with ${JSON.stringify(previousPeer)}`);
      }
      this.#lastFinish = Uint8Array.from(bytes);
      this.#install(session);
      this.#lastConfirmationAt = this.#clock.now();
      this.#transport.send(session.sealKeepalive());
      return;
    }
    throw new UnexpectedMessageError(type, 'the responder expects only HELLO or FINISH');
  }

  #handleFrame(bytes: Uint8Array): void {
    if (bytes.length < 6) throw new MalformedMessageError('frame', 'truncated', `${bytes.length} bytes`);
    const sessionId = readUint32(bytes, 2);
    const pending = this.#pendingConfirm?.session;
    const session = [this.#current, this.#previous, pending].find((s) => s !== undefined && s.id === sessionId);
    if (session === undefined) throw new UnknownSessionError(sessionId);
    const opened = session.open(bytes);
    if (session === pending) {
      this.#pendingConfirm = undefined;
      this.#pendingInitiator = undefined;
      this.#cancelRetry();
      this.#install(session);
      const attempt = this.#handshakeInFlight;
      this.#handshakeInFlight = undefined;
      attempt?.resolve();
    }
    if (opened.kind === 'keepalive') return;
    this.#received++;
    if (opened.data.length > 0 || opened.kind === 'data') this.#messages.emit(opened.data);
    if (opened.kind === 'final') this.#ends.emit();
  }

  #install(session: Session): void {
    const replaced = this.#current;
    this.#current = session;
    this.#handshakes++;
    if (replaced !== undefined) {
      this.#previous?.close('replaced');
      this.#previous = replaced;
      // In-flight frames of the old session still open for one retry period.
      this.#setTimer(() => {
        if (this.#previous === replaced) {
          replaced.close('replaced');
          this.#previous = undefined;
        }
      }, this.#retryMs);
      this.#rehandshakes.emit({ sessionId: session.id, peer: session.peer });
    } else if (this.role === 'responder') {
      this.#resolveReady(this);
    }
    if (this.role === 'initiator' && session.mode === 'datagram') {
      this.#setTimer(() => {
        if (this.#current === session) this.#startRehandshake();
      }, this.#rehandshakeAfter);
    }
    this.#setTimer(() => {
      if (this.#current === session) this.#shutdown(new SessionExpiredError('time'));
    }, this.#rejectAfter);
  }

  #reject(error: MessagingError, stage: RejectionEvent['stage']): void {
    this.#rejected++;
    this.#rejections.emit({ error, stage });
  }

  #onTransportClosed(): void {
    const session = this.#current;
    if (!this.#closed && session !== undefined && session.mode === 'stream' && !session.ended) {
      const error = new StreamTruncatedError(session.stats.received);
      this.#reject(error, 'transport');
      this.#shutdown(error);
      return;
    }
    this.#shutdown(this.#closed ? undefined : new SessionClosedError('the transport closed'));
  }

  #shutdown(error: MessagingError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedError = error;
    this.#rejectReady(error ?? new SessionClosedError('closed before the handshake completed'));
    this.#handshakeInFlight?.reject(error ?? new SessionClosedError('closed'));
    this.#handshakeInFlight = undefined;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    for (const subscription of this.#subscriptions) subscription.dispose();
    const reason = error?.code ?? 'closed locally';
    this.#current?.close(reason);
    this.#previous?.close(reason);
    this.#pendingConfirm?.session.close(reason);
    this.#current = undefined;
    this.#previous = undefined;
    this.#pendingConfirm = undefined;
    this.#transport.close();
    this.#closes.emit({ error });
  }

  #setTimer(callback: () => void, ms: number): TimerHandle {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      callback();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  #clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle);
    this.#clock.clearTimeout(handle);
  }

  #cancelRetry(): void {
    if (this.#retryTimer !== undefined) this.#clearTimer(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}

/**
 * Starts a handshake with `options.peer` over `transport` and returns the
 * channel at once; `await channel.ready` for it to be established.
 */
export function connect(transport: Transport, options: ConnectOptions): SecureChannel {
  return new SecureChannel(transport, 'initiator', options);
}

/** Waits for a peer's handshake on `transport`; `await channel.ready` for it to be established. */
export function accept(transport: Transport, options: AcceptOptions): SecureChannel {
  return new SecureChannel(transport, 'responder', options);
}
