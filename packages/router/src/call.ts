import type { BreakerPermit } from '@palisade/breaker';
import {
  CancelledError,
  cancellationError,
  DeadlineExceededError,
  type IDisposable,
  onAbort,
  type TimerHandle,
} from '@palisade/core';
import { MAX_TIMER_DELAY, NEVER_ABORTED_SIGNAL, reportError } from '@palisade/core/internal';
import type { FailureReason, IBackoff, IRetryBackoffContext } from 'cockatiel';
import { Attempt, type AttemptFunction, type AttemptOwner } from './attempt.js';
import { nextBackoff } from './backoff.js';
import type { CallHost, CallSettings, RouteRequest } from './call-host.js';
import type { Timed } from './deadline-queue.js';
import type { EndpointState } from './endpoint-state.js';
import {
  type AttemptKind,
  type AttemptRecord,
  AttemptTimeoutError,
  CallDeadlineExceededError,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
} from './errors.js';
import type { ResolvedHedge, ResolvedRetry } from './resolved-options.js';

const hedgeLost = (): Error => new CancelledError('another attempt of the same call succeeded first');

/**
 * One `execute`: its attempts, retries, hedges and deadline. It settles
 * exactly once, through success, `#giveUp`, `expire` or the caller's signal,
 * and then abandons whatever is still in flight.
 */
export class Call implements Timed, AttemptOwner, RouteRequest<Attempt> {
  at = 0;
  lane: object | undefined;
  readonly host: CallHost;
  readonly fn: AttemptFunction<unknown, unknown>;
  readonly settings: CallSettings;
  readonly startedAt: number;
  readonly deadlineAt: number;
  readonly signal: AbortSignal | undefined;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  done = false;
  /** Attempts started. */
  started = 0;
  inFlight = 0;
  hedgesStarted = 0;
  first: Attempt | undefined;
  /** Every attempt, once there is more than one. */
  attempts: Attempt[] | undefined;
  lastFailure: FailureReason<unknown> | undefined;
  #backoff: IBackoff<IRetryBackoffContext<unknown>> | undefined;
  #retryTimer: TimerHandle | undefined;
  #hedgeTimer: TimerHandle | undefined;
  #callerSignal: IDisposable | undefined;

  constructor(
    host: CallHost,
    fn: AttemptFunction<unknown, unknown>,
    settings: CallSettings,
    signal: AbortSignal | undefined,
    now: number,
  ) {
    this.host = host;
    this.fn = fn;
    this.settings = settings;
    this.startedAt = now;
    this.deadlineAt = now + settings.timeout;
    this.signal = signal;
  }

  begin(now: number): void {
    try {
      this.#begin(now);
    } catch (error) {
      this.crash(error);
    }
  }

  /**
   * Something the router runs on the user's behalf threw (a `handle` filter,
   * a backoff, a retry-after reader, a custom budget): the call fails with
   * that error rather than hang, and the attempts still in flight are abandoned.
   */
  crash(error: unknown): void {
    if (this.done) {
      reportError(error);
      return;
    }
    this.#fail(error, this.host.clock.now(), { error });
  }

  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.crash(error);
    }
  }

  #begin(now: number): void {
    const host = this.host;
    const signal = this.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.cancel(signal);
        return;
      }
      this.#callerSignal = onAbort(signal, () => this.cancel(signal));
    }
    host.limiter?.onCall(now);
    const timeout = this.settings.timeout;
    if (timeout !== Number.POSITIVE_INFINITY) host.deadlines.schedule(this, timeout, now);
    this.#start('first', now);
    if (!this.done && this.settings.hedge !== undefined) this.#scheduleHedge(now);
  }

  tried(endpoint: EndpointState): boolean {
    if (this.attempts === undefined) return this.first?.endpoint === endpoint;
    for (const attempt of this.attempts) if (attempt.endpoint === endpoint) return true;
    return false;
  }

  attemptOn(endpoint: EndpointState, permit: BreakerPermit | undefined, kind: AttemptKind, panic: boolean): Attempt {
    return new Attempt(this, endpoint, permit, this.started + 1, kind, panic);
  }

  /** Routes and runs an attempt; false if no endpoint could take it. */
  #start(kind: AttemptKind, now: number): boolean {
    const routed = this.host.route(this, kind, now);
    if (!(routed instanceof Attempt)) {
      if (kind === 'hedge') return false;
      if (routed instanceof NoHealthyEndpointError) this.host.noEndpointFound();
      const error =
        routed instanceof NoHealthyEndpointError && this.started > 0
          ? new NoHealthyEndpointError(routed.endpoints, this.records(now), failureError(this.lastFailure))
          : routed;
      this.#fail(error, now, this.lastFailure === undefined ? { error } : this.lastFailure);
      return false;
    }
    return this.#run(routed, now);
  }

  #run(attempt: Attempt, now: number): boolean {
    this.started++;
    this.inFlight++;
    if (this.first === undefined) {
      this.first = attempt;
    } else {
      this.attempts ??= [this.first];
      this.attempts.push(attempt);
    }
    attempt.run(now);
    return true;
  }

  attemptReleased(): void {
    this.inFlight--;
  }

  attemptSucceeded(attempt: Attempt, value: unknown, now: number): void {
    if (this.done) return;
    const host = this.host;
    if (attempt.kind === 'hedge') host.hedgeWon();
    host.callSucceeded();
    this.#settle(now, hedgeLost);
    this.resolve(value);
    const events = host.callEvents;
    if (events?.heard('success')) events.emit('success', { duration: now - this.startedAt });
  }

  /** The endpoint answered with an error that `handle` does not count as a failure: the call ends with it. */
  attemptAnswered(_attempt: Attempt, error: unknown, now: number): void {
    if (this.done) return;
    this.#fail(error, now, { error }, false);
  }

  attemptFailed(attempt: Attempt, reason: FailureReason<unknown>, retryable: boolean, now: number): void {
    if (this.done) return;
    this.lastFailure = reason;
    if (!retryable) {
      this.#giveUp(reason, now, false);
      return;
    }
    if (this.inFlight > 0) {
      // gRPC's hedging: a failed attempt sends the next hedge at once rather than waiting for the delay.
      if (this.settings.hedge !== undefined && this.#hedgeTimer !== undefined) {
        this.host.clock.clearTimeout(this.#hedgeTimer);
        this.#hedgeTimer = undefined;
        this.#hedgeNow(now);
      }
      return;
    }
    this.#retry(attempt, reason, now);
  }

  #retry(failed: Attempt, reason: FailureReason<unknown>, now: number): void {
    const host = this.host;
    // More than one attempt is allowed only when the router retries.
    if (this.started >= this.settings.maxAttempts) {
      this.#giveUp(reason, now, false);
      return;
    }
    const retry = host.retry as ResolvedRetry;
    const context: IRetryBackoffContext<unknown> = {
      attempt: this.started,
      result: reason,
      signal: NEVER_ABORTED_SIGNAL,
    };
    this.#backoff = nextBackoff(this.#backoff ?? retry.backoff, context, host.random);
    let delay = this.#backoff.duration;
    if (!(delay >= 0)) delay = 0;
    const hint = retry.retryAfter?.(reason, now);
    if (typeof hint === 'number' && hint > delay) delay = hint;
    // A retry that could only start after the deadline is not worth the budget; nor one beyond any timer's reach.
    if (now + delay >= this.deadlineAt || delay > MAX_TIMER_DELAY) {
      this.#giveUp(reason, now, false);
      return;
    }
    const limiter = host.limiter;
    if (limiter !== undefined && !limiter.tryAcquire(now)) {
      this.#budgetRefused('retry');
      this.#giveUp(reason, now, true);
      return;
    }
    host.retryStarted();
    const events = host.retryEvents;
    if (events?.heard('retry')) {
      events.emit('retry', { endpoint: failed.endpoint.endpoint, attempt: this.started + 1, delay, reason });
    }
    if (delay === 0) {
      this.#start('retry', now);
      return;
    }
    this.#retryTimer = host.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.done) this.#guard(() => this.#start('retry', this.host.clock.now()));
    }, delay);
  }

  #budgetRefused(kind: 'retry' | 'hedge'): void {
    const host = this.host;
    host.budgetRefused();
    const events = host.retryEvents;
    if (events?.heard('budgetExhausted')) events.emit('budgetExhausted', { kind });
  }

  #scheduleHedge(now: number): void {
    const hedge = this.settings.hedge as ResolvedHedge;
    const delay = hedge.delay ?? this.host.hedgeDelay(hedge.percentile as number);
    if (Number.isNaN(delay) || now + delay >= this.deadlineAt || delay > MAX_TIMER_DELAY) return;
    this.#hedgeTimer = this.host.clock.setTimeout(() => {
      this.#hedgeTimer = undefined;
      this.#guard(() => this.#hedgeNow(this.host.clock.now()));
    }, delay);
  }

  #hedgeNow(now: number): void {
    const hedge = this.settings.hedge;
    if (this.done || hedge === undefined || this.inFlight === 0) return;
    if (this.hedgesStarted >= hedge.maxHedges) return;
    const host = this.host;
    const routed = host.route(this, 'hedge', now);
    if (!(routed instanceof Attempt)) return;
    const limiter = host.limiter;
    if (limiter !== undefined && !limiter.tryAcquire(now)) {
      routed.discard();
      this.#budgetRefused('hedge');
      return;
    }
    this.hedgesStarted++;
    host.hedgeStarted();
    const events = host.retryEvents;
    if (events?.heard('hedge')) {
      events.emit('hedge', { endpoint: routed.endpoint.endpoint, attempt: routed.number, hedges: this.hedgesStarted });
    }
    this.#run(routed, now);
    if (!this.done && this.hedgesStarted < hedge.maxHedges) this.#scheduleHedge(now);
  }

  /**
   * The call's deadline passed: every attempt in flight is cut off, and the
   * call rejects. The deadline is the caller's: an attempt it cuts off is
   * abandoned, not charged to its endpoint, unless it had run its whole
   * `attemptTimeout` (its own timeout was due at the same moment).
   */
  expire(now: number): void {
    if (this.done) return;
    const timeout = this.settings.timeout;
    this.host.callTimedOut();
    this.#settle(now, new DeadlineExceededError(timeout), true);
    const error = new CallDeadlineExceededError(timeout, this.records(now));
    this.reject(error);
    this.#announceFailure(now, { error }, true);
  }

  /** The caller's signal aborted. */
  cancel(signal: AbortSignal): void {
    if (this.done) return;
    const now = this.host.clock.now();
    const error = cancellationError(signal);
    this.host.callCancelled();
    this.#settle(now, error);
    this.reject(error);
    this.#announceFailure(now, { error }, false);
  }

  /** No more attempts: the call ends with its last failure (a result is returned, an error thrown). */
  #giveUp(reason: FailureReason<unknown>, now: number, budgetExhausted: boolean): void {
    if ('value' in reason) {
      this.host.callFailed();
      this.#settle(now, hedgeLost);
      this.resolve(reason.value);
      this.#announceFailure(now, reason, true);
      return;
    }
    let error = reason.error;
    if (budgetExhausted) error = new RetryBudgetExhaustedError(error, this.records(now));
    else if (error instanceof AttemptTimeoutError) {
      error = new AttemptTimeoutError(error.endpoint, error.timeout, this.records(now));
    }
    this.#fail(error, now, reason);
  }

  #fail(error: unknown, now: number, reason: FailureReason<unknown>, handled = true): void {
    this.host.callFailed();
    this.#settle(now, hedgeLost);
    this.reject(error);
    this.#announceFailure(now, reason, handled);
  }

  #announceFailure(now: number, reason: FailureReason<unknown>, handled: boolean): void {
    const events = this.host.callEvents;
    if (events?.heard('failure')) events.emit('failure', { duration: now - this.startedAt, handled, reason });
  }

  /** Marks the call done, stops its timers, and abandons the attempts still in flight. */
  #settle(now: number, reason: Error | (() => Error), deadline = false): void {
    this.done = true;
    const host = this.host;
    host.deadlines.cancel(this);
    if (this.#retryTimer !== undefined) host.clock.clearTimeout(this.#retryTimer);
    if (this.#hedgeTimer !== undefined) host.clock.clearTimeout(this.#hedgeTimer);
    this.#callerSignal?.dispose();
    if (this.inFlight === 0) return;
    // Built only now: capturing a stack is dear, and most calls end with nothing left in flight.
    const error = typeof reason === 'function' ? reason() : reason;
    if (this.attempts === undefined) {
      if (this.first !== undefined) this.#cutOff(this.first, error, deadline, now);
    } else {
      for (const attempt of this.attempts) this.#cutOff(attempt, error, deadline, now);
    }
  }

  #cutOff(attempt: Attempt, error: Error, deadline: boolean, now: number): void {
    if (attempt.settled) return;
    if (deadline && now - attempt.startedAt >= this.settings.attemptTimeout) attempt.timeOut(now);
    else attempt.abandon(error, 'abandoned', false, now);
  }

  records(now: number): AttemptRecord[] {
    if (this.attempts !== undefined) return this.attempts.map((attempt) => attempt.record(now));
    return this.first === undefined ? [] : [this.first.record(now)];
  }
}

function failureError(reason: FailureReason<unknown> | undefined): unknown {
  if (reason === undefined) return undefined;
  return 'error' in reason ? reason.error : undefined;
}
