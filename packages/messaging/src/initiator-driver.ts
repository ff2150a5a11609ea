import { DeadlineExceededError, type TimerHandle } from '@palisade/core';
import { MessagingError, SessionClosedError, UnexpectedMessageError } from './errors.js';
import type { ChannelHost, HandshakeDriver } from './handshake-driver.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import type { InitiatorOptions } from './handshake-options.js';
import type { Session } from './session.js';
import { MessageType } from './wire.js';

/** One handshake, from its first HELLO to the responder's confirmation, across HELLO retries. */
interface Attempt {
  /** The channel's first handshake: if it fails, the channel never opens. */
  readonly first: boolean;
  readonly deadline: TimerHandle;
  retry: TimerHandle | undefined;
  /** The handshake of the latest HELLO; only a RESPONSE to that one is taken. */
  handshake: HandshakeInitiator | undefined;
  /** Sent its FINISH; waits for the responder's first frame under it. */
  confirming: Session | undefined;
  lastRefusal: MessagingError | undefined;
}

type InitiatorDriverState =
  /**
   * No handshake running. `unconfirmed`: a re-handshake that timed out after
   * sending its FINISH; the responder may already be using that session, so
   * its confirmation is still taken until the next attempt.
   */
  | { readonly name: 'idle'; readonly unconfirmed: Session | undefined }
  | { readonly name: 'handshaking'; readonly attempt: Attempt }
  | { readonly name: 'closed' };

/**
 * The initiator's handshakes on a channel. A HELLO with no answer is resent,
 * as a fresh handshake, every `handshakeRetry` until `handshakeTimeout`
 * (WireGuard's REKEY_TIMEOUT and REKEY_ATTEMPT_TIME). In datagram mode it
 * re-handshakes once the session is `rehandshakeAfter` old or busy, so a new
 * session replaces it before it expires.
 */
export class InitiatorDriver implements HandshakeDriver {
  readonly #host: ChannelHost;
  readonly #handshakeOptions: InitiatorOptions;
  #state: InitiatorDriverState = { name: 'idle', unconfirmed: undefined };

  constructor(host: ChannelHost, handshakeOptions: InitiatorOptions) {
    this.#host = host;
    this.#handshakeOptions = handshakeOptions;
  }

  start(): void {
    this.#begin(true);
  }

  async receive(type: MessageType, bytes: Uint8Array): Promise<void> {
    const state = this.#state;
    const handshake = state.name === 'handshaking' ? state.attempt.handshake : undefined;
    if (type !== MessageType.response || state.name !== 'handshaking' || handshake?.state !== 'waiting') {
      throw new UnexpectedMessageError(type, 'the initiator expects only a RESPONSE to its latest HELLO');
    }
    const { attempt } = state;
    const { finish, session } = await handshake.receiveResponse(bytes);
    if (this.#state !== state || attempt.handshake !== handshake) {
      session.close('superseded');
      return;
    }
    attempt.confirming?.close('superseded');
    attempt.confirming = session;
    this.#host.transmit(finish);
  }

  unconfirmed(sessionId: number): Session | undefined {
    const state = this.#state;
    const session =
      state.name === 'handshaking' ? state.attempt.confirming : state.name === 'idle' ? state.unconfirmed : undefined;
    return session?.id === sessionId ? session : undefined;
  }

  confirmed(session: Session): void {
    const state = this.#state;
    if (state.name === 'handshaking' && state.attempt.confirming === session) {
      this.#host.timers.clear(state.attempt.retry);
      this.#host.timers.clear(state.attempt.deadline);
    } else if (state.name !== 'idle' || state.unconfirmed !== session) {
      return;
    }
    this.#state = { name: 'idle', unconfirmed: undefined };
    this.#host.install(session);
  }

  installed(session: Session): void {
    if (session.mode !== 'datagram') return;
    const { settings, timers } = this.#host;
    timers.set(() => {
      if (this.#host.current() === session) this.#begin(false);
    }, settings.handshake.limits.rehandshakeAfter);
  }

  sent(session: Session): void {
    if (session.mode === 'datagram' && session.needsRehandshake) this.#begin(false);
  }

  refused(error: MessagingError): void {
    if (this.#state.name === 'handshaking') this.#state.attempt.lastRefusal = error;
  }

  close(reason: string): void {
    const state = this.#state;
    this.#state = { name: 'closed' };
    if (state.name === 'handshaking') state.attempt.confirming?.close(reason);
    else if (state.name === 'idle') state.unconfirmed?.close(reason);
  }

  #begin(first: boolean): void {
    const state = this.#state;
    if (state.name !== 'idle' || this.#host.isClosed()) return;
    state.unconfirmed?.close('superseded');
    const attempt: Attempt = {
      first,
      deadline: this.#host.timers.set(() => this.#timedOut(attempt), this.#host.settings.handshakeTimeout),
      retry: undefined,
      handshake: undefined,
      confirming: undefined,
      lastRefusal: undefined,
    };
    this.#state = { name: 'handshaking', attempt };
    void this.#sendHello(attempt);
  }

  async #sendHello(attempt: Attempt): Promise<void> {
    if (!this.#isRunning(attempt)) return;
    const handshake = new HandshakeInitiator(this.#handshakeOptions);
    attempt.handshake = handshake;
    attempt.confirming?.close('superseded');
    attempt.confirming = undefined;
    const { timers, settings } = this.#host;
    timers.clear(attempt.retry);
    attempt.retry = timers.set(() => void this.#sendHello(attempt), settings.handshakeRetry);
    try {
      const hello = await handshake.start();
      if (this.#isRunning(attempt) && attempt.handshake === handshake) this.#host.transmit(hello);
    } catch (error) {
      if (this.#isRunning(attempt)) this.#fail(attempt, error as Error);
    }
  }

  #timedOut(attempt: Attempt): void {
    if (!this.#isRunning(attempt)) return;
    const timeout = this.#host.settings.handshakeTimeout;
    const peer = JSON.stringify(this.#handshakeOptions.peer);
    const last = attempt.lastRefusal;
    const error = new DeadlineExceededError(
      timeout,
      `The handshake with ${peer} did not complete within ${timeout} ms${last === undefined ? '' : ` (last rejection: ${last.message})`}.`,
    );
    if (last !== undefined) error.cause = last;
    this.#fail(attempt, error);
  }

  /** The attempt is over without a session. The first one takes the channel down; a re-handshake's is reported. */
  #fail(attempt: Attempt, error: Error): void {
    this.#host.timers.clear(attempt.retry);
    this.#host.timers.clear(attempt.deadline);
    this.#state = { name: 'idle', unconfirmed: attempt.confirming };
    if (attempt.first) {
      this.#host.abandon(error, error instanceof MessagingError ? error : new SessionClosedError('handshake failed'));
    } else if (error instanceof MessagingError) {
      // The current session keeps working until it expires; the expiry
      // closes the channel if no handshake ever succeeds.
      this.#host.report(error, 'handshake');
    }
  }

  #isRunning(attempt: Attempt): boolean {
    return this.#state.name === 'handshaking' && this.#state.attempt === attempt;
  }
}
