import {
  type Closable,
  cancellationError,
  type Event,
  type IDisposable,
  InvalidArgumentError,
  isPalisadeError,
  onAbort,
} from '@palisade/core';
import { isThenable, LazyEmitters } from '@palisade/core/internal';
import { ownCopy, readUint32 } from './bytes.js';
import type {
  ChannelCloseEvent,
  ChannelEvents,
  ChannelFrameEvent,
  ChannelRejectEvent,
  ChannelStats,
  RehandshakeEvent,
} from './channel-events.js';
import {
  type AcceptOptions,
  type ChannelSettings,
  type ConnectOptions,
  resolveAcceptOptions,
  resolveConnectOptions,
} from './channel-options.js';
import { ChannelTimers } from './channel-timers.js';
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
import { claimedFrameKind } from './frame-kind.js';
import type { ChannelHost, HandshakeDriver } from './handshake-driver.js';
import { InitiatorDriver } from './initiator-driver.js';
import { ResponderDriver } from './responder-driver.js';
import { quietly, type SendKind, SendQueue } from './send-queue.js';
import type { PeerInfo, Session } from './session.js';
import { isTransport, type Transport } from './transport.js';
import { isFrameType, isHandshakeType, peekMessageType } from './wire.js';

type ChannelState =
  /** Before the first session: sends wait in the queue. */
  | { readonly phase: 'handshaking'; readonly queue: SendQueue }
  /** `previous`: the session a re-handshake replaced, still opening in-flight frames for one retry period. */
  | { readonly phase: 'open'; current: Session; previous: Session | undefined }
  | { readonly phase: 'closed'; readonly error: MessagingError | undefined; readonly closing: Promise<void> };

const SENT: Promise<void> = Promise.resolve();

/**
 * A session bound to a transport: runs the handshake (with retries on lossy
 * links), delivers authenticated messages, re-handshakes before the session
 * expires (the initiator does, as in WireGuard), and closes when the peer's
 * key is revoked. Every refused message is reported on `onReject`.
 */
export class SecureChannel implements Closable {
  readonly role: 'initiator' | 'responder';
  /** Resolves once the first session is established and confirmed; rejects if that fails. */
  readonly ready: Promise<SecureChannel>;

  readonly #transport: Transport;
  readonly #settings: ChannelSettings;
  readonly #timers: ChannelTimers;
  readonly #driver: HandshakeDriver;
  readonly #events = new LazyEmitters<ChannelEvents>();
  readonly #subscriptions: IDisposable[] = [];
  #state: ChannelState;
  /** Received messages are handled one at a time, in arrival order. */
  #receiving: Promise<void> = Promise.resolve();
  #sent = 0;
  #received = 0;
  #rejected = 0;
  #handshakes = 0;
  /** Send-key ratchets of the sessions already replaced or closed. */
  #retiredRekeys = 0;
  #resolveReady!: (channel: SecureChannel) => void;
  #rejectReady!: (error: Error) => void;

  /** Use `connect` or `accept`. */
  constructor(transport: Transport, role: 'initiator', options: ConnectOptions);
  constructor(transport: Transport, role: 'responder', options: AcceptOptions);
  constructor(transport: Transport, role: 'initiator' | 'responder', options: ConnectOptions | AcceptOptions) {
    if (role !== 'initiator' && role !== 'responder') {
      throw new InvalidArgumentError('role', '"initiator" or "responder"', role);
    }
    let settings: ChannelSettings;
    let driverFor: (host: ChannelHost) => HandshakeDriver;
    if (role === 'initiator') {
      const resolved = resolveConnectOptions(options as ConnectOptions);
      settings = resolved.settings;
      driverFor = (host) => new InitiatorDriver(host, resolved.handshakeOptions);
    } else {
      const resolved = resolveAcceptOptions(options as AcceptOptions);
      settings = resolved.settings;
      driverFor = (host) => new ResponderDriver(host, resolved.handshakeOptions);
    }
    if (!isTransport(transport)) throw new InvalidArgumentError('transport', 'a Transport', transport);
    this.role = role;
    this.#transport = transport;
    this.#settings = settings;
    this.#timers = new ChannelTimers(settings.clock);
    this.#state = { phase: 'handshaking', queue: new SendQueue(settings.maxQueuedSends) };
    this.#driver = driverFor(this.#host());
    this.ready = quietly(
      new Promise<SecureChannel>((resolve, reject) => {
        this.#resolveReady = resolve;
        this.#rejectReady = reject;
      }),
    );
    this.#subscribe();
    // An AbortSignal that had already fired closed the channel just now.
    if (!this.closed) this.#driver.start();
  }

  /** An authenticated application message. */
  get onMessage(): Event<Uint8Array> {
    return this.#events.on('message');
  }

  /**
   * Every message that is not a handshake message, with its verdict: the
   * frame and what it carried, or the error that refused it. Fires before
   * `onMessage` or `onReject` for the same message.
   */
  get onFrame(): Event<ChannelFrameEvent> {
    return this.#events.on('frame');
  }

  /** A message was refused: tampered, replayed, forged, unexpected, from a revoked key… */
  get onReject(): Event<ChannelRejectEvent> {
    return this.#events.on('reject');
  }

  /** The channel closed; `error` says why unless it was closed locally. */
  get onClose(): Event<ChannelCloseEvent> {
    return this.#events.on('close');
  }

  /** A new session replaced the previous one with no interruption. */
  get onRehandshake(): Event<RehandshakeEvent> {
    return this.#events.on('rehandshake');
  }

  /** Stream mode: the peer's authenticated FINAL arrived. */
  get onEnd(): Event<void> {
    return this.#events.on('end');
  }

  /** The authenticated peer of the current session. */
  get peer(): PeerInfo | undefined {
    return this.session?.peer;
  }

  /** The current session (for inspection; the channel drives it). */
  get session(): Session | undefined {
    return this.#state.phase === 'open' ? this.#state.current : undefined;
  }

  get closed(): boolean {
    return this.#state.phase === 'closed';
  }

  stats(): ChannelStats {
    const current = this.session?.stats().sendEpoch ?? 0;
    return {
      sent: this.#sent,
      received: this.#received,
      rejected: this.#rejected,
      handshakes: this.#handshakes,
      rekeys: this.#retiredRekeys + current,
    };
  }

  /**
   * Seals and sends one message. Before `ready` it waits in a queue of at
   * most `maxQueuedSends` and goes out, in order, once the channel opens.
   * The promise settles when the frame was handed to the transport, and
   * rejects with `SendQueueFullError` past the bound, with `ready`'s error if
   * the channel never opens, with `SessionClosedError` after close.
   */
  send(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      return quietly(Promise.reject(new InvalidArgumentError('data', 'a Uint8Array', data)));
    }
    return this.#submit('data', data);
  }

  /** Stream mode: sends the FINAL frame (with optional last data), queued like `send`. The peer's `onEnd` fires. */
  end(data?: Uint8Array): Promise<void> {
    if (data !== undefined && !(data instanceof Uint8Array)) {
      return quietly(Promise.reject(new InvalidArgumentError('data', 'a Uint8Array or undefined', data)));
    }
    return this.#submit('final', data);
  }

  /**
   * Closes the channel and the transport and erases all keys. Idempotent;
   * settles once the transport's `close` has and no received message is
   * still being handled.
   */
  close(): Promise<void> {
    this.#shutdown(undefined);
    return (this.#state as Extract<ChannelState, { phase: 'closed' }>).closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #submit(kind: SendKind, data: Uint8Array | undefined): Promise<void> {
    const state = this.#state;
    if (state.phase === 'handshaking') return state.queue.add(kind, data);
    if (state.phase === 'closed') {
      return quietly(Promise.reject(new SessionClosedError(state.error?.message ?? 'the channel was closed')));
    }
    try {
      this.#transmitFrame(state.current, kind, data);
      return SENT;
    } catch (error) {
      return quietly(Promise.reject(error));
    }
  }

  #transmitFrame(session: Session, kind: SendKind, data: Uint8Array | undefined): void {
    this.#transport.send(kind === 'data' ? session.seal(data as Uint8Array) : session.end(data));
    this.#sent++;
    if (kind === 'data') this.#driver.sent(session);
  }

  #subscribe(): void {
    const transport = this.#transport;
    const { handshake, signal } = this.#settings;
    const subscriptions = this.#subscriptions;
    subscriptions.push(
      transport.onReceive((bytes) => {
        // Handled later, after the messages queued before it: copy now, while
        // the transport's buffer still holds this message.
        const message = ownCopy(bytes);
        this.#receiving = this.#receiving.then(() => this.#handle(message));
      }),
    );
    subscriptions.push(transport.onClose(() => this.#transportClosed()));
    if (transport.onError !== undefined) {
      subscriptions.push(
        transport.onError((error) => {
          const refusal =
            error instanceof MessagingError ? error : new MalformedMessageError('transport message', 'not-bytes');
          this.#report(refusal, 'transport');
        }),
      );
    }
    subscriptions.push(
      handshake.directory.onRevoke((event) => {
        const peer = this.peer;
        if (event.kind !== 'key' || peer === undefined) return;
        const own = handshake.identity;
        if (event.nodeId === peer.nodeId && event.epochs.includes(peer.epoch)) {
          this.#shutdown(new KeyRevokedError(peer.nodeId, peer.epoch));
        } else if (event.nodeId === own.nodeId && event.epochs.includes(own.epoch)) {
          this.#shutdown(new KeyRevokedError(event.nodeId, own.epoch));
        }
      }),
    );
    // Last: a signal that already fired calls this at once, and the
    // shutdown must find every other subscription to dispose of.
    subscriptions.push(
      onAbort(signal, () => {
        this.#failReady(cancellationError(signal as AbortSignal));
        this.#shutdown(new SessionClosedError('cancelled by its AbortSignal'));
      }),
    );
  }

  #host(): ChannelHost {
    return {
      settings: this.#settings,
      timers: this.#timers,
      current: () => this.session,
      isClosed: () => this.closed,
      transmit: (bytes) => this.#transport.send(bytes),
      install: (session) => this.#install(session),
      report: (error, stage) => this.#report(error, stage),
      abandon: (reason, error) => {
        this.#failReady(reason);
        this.#shutdown(error);
      },
    };
  }

  async #handle(bytes: Uint8Array): Promise<void> {
    if (this.#state.phase === 'closed') return;
    if (!(bytes instanceof Uint8Array)) {
      // The transport broke its contract; no frame arrived to judge.
      this.#report(new MalformedMessageError('transport message', 'not-bytes'), 'transport');
      return;
    }
    try {
      const type = peekMessageType(bytes, 'message');
      if (isHandshakeType(type)) await this.#driver.receive(type, bytes);
      else if (isFrameType(type)) this.#openFrame(bytes);
      else throw new UnexpectedMessageError(type, 'on a channel');
    } catch (error) {
      if (!(isPalisadeError(error) && error instanceof MessagingError)) {
        // A bug, not an attack: stop rather than keep running in an unknown state.
        const detail = (error as Error)?.message ?? String(error);
        this.#shutdown(new SessionClosedError(`internal error: ${detail}`));
        return;
      }
      if (isHandshakeType(bytes[1] ?? 0)) {
        this.#report(error, 'handshake');
      } else {
        if (this.#events.heard('frame')) {
          this.#events.emit('frame', { verdict: 'rejected', bytes, claimedKind: claimedFrameKind(bytes), error });
        }
        this.#report(error, 'frame');
      }
      this.#driver.refused(error);
    }
  }

  #openFrame(bytes: Uint8Array): void {
    if (bytes.length < 6) throw new MalformedMessageError('frame', 'truncated', `${bytes.length} bytes`);
    const sessionId = readUint32(bytes, 2);
    const state = this.#state;
    let session: Session | undefined;
    if (state.phase === 'open') {
      if (state.current.id === sessionId) session = state.current;
      else if (state.previous?.id === sessionId) session = state.previous;
    }
    const unconfirmed = session === undefined ? this.#driver.unconfirmed(sessionId) : undefined;
    session ??= unconfirmed;
    if (session === undefined) throw new UnknownSessionError(sessionId);
    const opened = session.open(bytes);
    if (session === unconfirmed) this.#driver.confirmed(session);
    if (this.#events.heard('frame')) {
      this.#events.emit('frame', { verdict: 'accepted', bytes, kind: opened.kind, data: opened.data });
    }
    if (opened.kind === 'keepalive') return;
    this.#received++;
    if (opened.data.length > 0 || opened.kind === 'data') this.#events.emit('message', opened.data);
    if (opened.kind === 'final') this.#events.emit('end', undefined);
  }

  #install(session: Session): void {
    const state = this.#state;
    if (state.phase === 'closed') return;
    this.#handshakes++;
    if (state.phase === 'open') {
      const replaced = state.current;
      // Nothing more is sealed on it: its ratchets are final.
      this.#retiredRekeys += replaced.stats().sendEpoch;
      state.previous?.close('replaced');
      state.previous = replaced;
      state.current = session;
      // In-flight frames of the old session still open for one retry period.
      this.#timers.set(() => {
        if (this.#state.phase === 'open' && this.#state.previous === replaced) {
          replaced.close('replaced');
          this.#state.previous = undefined;
        }
      }, this.#settings.handshakeRetry);
      this.#events.emit('rehandshake', { sessionId: session.id, peer: session.peer });
    } else {
      this.#state = { phase: 'open', current: session, previous: undefined };
    }
    this.#driver.installed(session);
    this.#timers.set(() => {
      if (this.session === session) this.#shutdown(new SessionExpiredError('time'));
    }, this.#settings.handshake.limits.rejectAfter);
    if (state.phase === 'handshaking') {
      state.queue.flush((kind, data) => this.#transmitFrame(session, kind, data));
      this.#resolveReady(this);
    }
  }

  #report(error: MessagingError, stage: ChannelRejectEvent['stage']): void {
    this.#rejected++;
    this.#events.emit('reject', { error, stage });
  }

  #transportClosed(): void {
    const session = this.session;
    if (session !== undefined && session.mode === 'stream' && !session.ended) {
      const error = new StreamTruncatedError(session.stats().received);
      this.#report(error, 'transport');
      this.#shutdown(error);
      return;
    }
    this.#shutdown(new SessionClosedError('the transport closed'));
  }

  /** The channel will not open: `ready` and every queued send reject with `reason`. */
  #failReady(reason: Error): void {
    this.#rejectReady(reason);
    if (this.#state.phase === 'handshaking') this.#state.queue.fail(reason);
  }

  #shutdown(error: MessagingError | undefined): void {
    const state = this.#state;
    if (state.phase === 'closed') return;
    let letGo!: (settled: Promise<void>) => void;
    const closing = quietly(new Promise<void>((resolve) => (letGo = resolve)));
    this.#state = { phase: 'closed', error, closing };
    if (state.phase === 'handshaking') {
      this.#rejectReady(error ?? new SessionClosedError('closed before the handshake completed'));
      state.queue.fail(error ?? new SessionClosedError('closed before the handshake completed'));
    }
    const reason = error?.code ?? 'closed locally';
    this.#driver.close(reason);
    this.#timers.clearAll();
    for (const subscription of this.#subscriptions) subscription.dispose();
    if (state.phase === 'open') {
      this.#retiredRekeys += state.current.stats().sendEpoch;
      state.current.close(reason);
      state.previous?.close(reason);
    }
    letGo(Promise.all([this.#receiving, this.#closeTransport()]).then(() => undefined));
    this.#events.emit('close', { error });
  }

  #closeTransport(): Promise<void> | undefined {
    try {
      const closed = this.#transport.close();
      return isThenable(closed) ? Promise.resolve(closed) : undefined;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * Starts a handshake with `options.peer` over `transport` and returns the
 * channel at once; `await channel.ready` for it to be established, or send
 * at once: sends wait for it.
 */
export function connect(transport: Transport, options: ConnectOptions): SecureChannel {
  return new SecureChannel(transport, 'initiator', options);
}

/** Waits for a peer's handshake on `transport`; `await channel.ready` for it to be established. */
export function accept(transport: Transport, options: AcceptOptions): SecureChannel {
  return new SecureChannel(transport, 'responder', options);
}
