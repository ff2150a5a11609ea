import { DeadlineExceededError, type TimerHandle } from '@palisade/core';
import { bytesEqual } from './bytes.js';
import { MessagingError, SessionClosedError, UnexpectedMessageError } from './errors.js';
import type { ChannelHost, HandshakeDriver } from './handshake-driver.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import type { InitiatorOptions } from './handshake-options.js';
import type { Session } from './session.js';
import { MessageType } from './wire.js';

/**
 * One HELLO (one ephemeral key) and what came of it. Its messages are resent
 * byte for byte, so the RESPONSE to any copy of the HELLO is the answer to
 * this try, however slow the link.
 */
interface Try {
  readonly handshake: HandshakeInitiator;
  /** The HELLO, once made and sent; resent as it is every `handshakeRetry` until answered. */
  hello: Uint8Array | undefined;
  sentAt: number;
  /** After the RESPONSE: the FINISH, resent as it is until the responder's first frame under the session confirms it. */
  confirming: Confirming | undefined;
}

interface Confirming {
  readonly session: Session;
  readonly finish: Uint8Array;
  /**
   * Past this, the responder is taken to have lost the handshake (a forged
   * FINISH or HELLO can make it give its state up), and a fresh HELLO starts
   * a new try. Twice as long as the RESPONSE took, plus a retry period: an
   * honest confirmation takes one round trip, and the RESPONSE took at least one.
   */
  readonly giveUpAt: number;
}

/** One handshake, from its first HELLO to the responder's confirmation, across resends. */
interface Attempt {
  /** The channel's first handshake: if it fails, the channel never opens. */
  readonly first: boolean;
  readonly deadline: TimerHandle;
  retry: TimerHandle | undefined;
  /** Only a RESPONSE to this try's HELLO is taken. */
  current: Try | undefined;
  lastRefusal: MessagingError | undefined;
  /**
   * The RESPONSEs this attempt's tries took. The responder answers every copy
   * of a HELLO with the same bytes, so copies keep coming for a while; they
   * are refused without reaching the current try, which a RESPONSE that is
   * not its own would end.
   */
  readonly taken: Uint8Array[];
}

const MAX_TAKEN_REMEMBERED = 4;

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
 * The initiator's handshakes on a channel. Every `handshakeRetry` until
 * `handshakeTimeout` (WireGuard's REKEY_TIMEOUT and REKEY_ATTEMPT_TIME), it
 * resends the same HELLO while no RESPONSE came, then the same FINISH while
 * no confirmation came, as DTLS retransmits a flight: a new HELLO would make
 * the answer to the previous one useless, and a peer slower than the retry
 * interval would never complete. A fresh HELLO replaces the try only when it
 * cannot complete (its RESPONSE failed a check, or the FINISH went unconfirmed
 * for too long). In datagram mode it re-handshakes once the session is
 * `rehandshakeAfter` old or busy, so a new session replaces it before it
 * expires.
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
    const current = state.name === 'handshaking' ? state.attempt.current : undefined;
    if (
      type !== MessageType.response ||
      state.name !== 'handshaking' ||
      current === undefined ||
      current.confirming !== undefined ||
      current.handshake.state !== 'waiting'
    ) {
      throw new UnexpectedMessageError(type, 'the initiator expects only one RESPONSE, to its current HELLO');
    }
    const { attempt } = state;
    if (attempt.taken.some((taken) => bytesEqual(taken, bytes))) {
      throw new UnexpectedMessageError(type, 'a copy of a RESPONSE this handshake already took');
    }
    const { finish, session } = await current.handshake.receiveResponse(bytes);
    if (!this.#isRunning(attempt) || attempt.current !== current) {
      session.close('superseded');
      return;
    }
    const now = this.#host.settings.clock.now();
    const giveUpAt = now + 2 * (now - current.sentAt) + this.#host.settings.handshakeRetry;
    current.confirming = { session, finish, giveUpAt };
    attempt.taken.push(Uint8Array.from(bytes));
    // Copies come from the last tries only: those of older ones are long gone.
    if (attempt.taken.length > MAX_TAKEN_REMEMBERED) attempt.taken.shift();
    this.#host.transmit(finish);
  }

  unconfirmed(sessionId: number): Session | undefined {
    const state = this.#state;
    const session =
      state.name === 'handshaking'
        ? state.attempt.current?.confirming?.session
        : state.name === 'idle'
          ? state.unconfirmed
          : undefined;
    return session?.id === sessionId ? session : undefined;
  }

  confirmed(session: Session): void {
    const state = this.#state;
    if (state.name === 'handshaking' && state.attempt.current?.confirming?.session === session) {
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
    if (state.name === 'handshaking') state.attempt.current?.confirming?.session.close(reason);
    else if (state.name === 'idle') state.unconfirmed?.close(reason);
  }

  #begin(first: boolean): void {
    const state = this.#state;
    if (state.name !== 'idle' || this.#host.isClosed()) return;
    state.unconfirmed?.close('superseded');
    const { timers, settings } = this.#host;
    const attempt: Attempt = {
      first,
      deadline: timers.set(() => this.#timedOut(attempt), settings.handshakeTimeout),
      retry: undefined,
      current: undefined,
      lastRefusal: undefined,
      taken: [],
    };
    this.#state = { name: 'handshaking', attempt };
    attempt.retry = timers.set(() => this.#resend(attempt), settings.handshakeRetry);
    void this.#newTry(attempt);
  }

  /** The retry period passed without the attempt completing: resend what is unanswered, or start over. */
  #resend(attempt: Attempt): void {
    if (!this.#isRunning(attempt)) return;
    const { timers, settings } = this.#host;
    attempt.retry = timers.set(() => this.#resend(attempt), settings.handshakeRetry);
    const current = attempt.current;
    if (current === undefined) return;
    const { confirming, handshake } = current;
    if (confirming !== undefined) {
      if (settings.clock.now() >= confirming.giveUpAt) void this.#newTry(attempt);
      else this.#host.transmit(confirming.finish);
    } else if (handshake.state === 'failed') {
      void this.#newTry(attempt);
    } else if (current.hello !== undefined) {
      this.#host.transmit(current.hello);
    }
  }

  async #newTry(attempt: Attempt): Promise<void> {
    attempt.current?.confirming?.session.close('superseded');
    const handshake = new HandshakeInitiator(this.#handshakeOptions);
    const current: Try = { handshake, hello: undefined, sentAt: 0, confirming: undefined };
    attempt.current = current;
    try {
      const hello = await handshake.start();
      if (!this.#isRunning(attempt) || attempt.current !== current) return;
      current.hello = hello;
      current.sentAt = this.#host.settings.clock.now();
      this.#host.transmit(hello);
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
    this.#state = { name: 'idle', unconfirmed: attempt.current?.confirming?.session };
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
