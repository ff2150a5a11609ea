import type { BreakerPermit } from '@palisade/breaker';
import {
  CancelledError,
  cancellationError,
  DeadlineExceededError,
  type IDisposable,
  onAbort,
  type TimerHandle,
} from '@palisade/core';
import { isThenable, MAX_TIMER_DELAY, NEVER_ABORTED_SIGNAL, reportError } from '@palisade/core/internal';
import type { FailureReason, IBackoff, IRetryBackoffContext } from 'cockatiel';
import { nextBackoff } from './backoff.js';
import type { Timed } from './deadline-queue.js';
import type { Endpoint, EndpointState } from './endpoint.js';
import {
  type AttemptKind,
  type AttemptRecord,
  AttemptTimeoutError,
  CallDeadlineExceededError,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
} from './errors.js';
import type { ResolvedHedge } from './options.js';
import type { RouterCore } from './router-core.js';

/** What `execute` runs: called once per attempt with the endpoint and the attempt's signal. */
export type AttemptFunction<D, T> = (endpoint: Endpoint<D>, signal: AbortSignal, attempt: number) => PromiseLike<T> | T;

type AttemptOutcome = AttemptRecord['outcome'] | 'succeeded' | 'answered';

const hedgeLost = (): Error => new CancelledError('another attempt of the same call succeeded first');

/**
 * One attempt of a call on one endpoint. It settles exactly once: when the
 * function settles, or earlier when it is abandoned (a timeout, a winning
 * hedge, the caller's cancellation, the endpoint's removal), in which case
 * its signal aborts and whatever the function does later is ignored.
 */
// Call and Attempt carry the queue's fields themselves: a base class costs a constructor call per object.
export class Attempt implements Timed {
  at = 0;
  lane: object | undefined;
  readonly call: Call;
  readonly endpoint: EndpointState;
  readonly permit: BreakerPermit | undefined;
  readonly number: number;
  readonly kind: AttemptKind;
  /** Sent to an ejected endpoint because its tier is in panic. */
  readonly panic: boolean;
  readonly controller = new AbortController();
  startedAt = 0;
  duration = 0;
  outcome: AttemptOutcome = 'in-flight';
  error: unknown;
  /** The endpoint's list of attempts in flight, so removal can reach them. */
  previousInFlight: Attempt | undefined;
  nextInFlight: Attempt | undefined;

  constructor(
    call: Call,
    endpoint: EndpointState,
    permit: BreakerPermit | undefined,
    number: number,
    kind: AttemptKind,
    panic: boolean,
  ) {
    this.call = call;
    this.endpoint = endpoint;
    this.permit = permit;
    this.number = number;
    this.kind = kind;
    this.panic = panic;
  }

  get settled(): boolean {
    return this.outcome !== 'in-flight';
  }

  run(now: number): void {
    const call = this.call;
    const core = call.core;
    const endpoint = this.endpoint;
    this.startedAt = now;
    endpoint.outstanding++;
    endpoint.attempts++;
    core.linkInFlight(this);
    core.attempts++;
    call.inFlight++;
    core.emitAttempt(this);
    const timeout = call.attemptTimeout;
    if (timeout !== Number.POSITIVE_INFINITY && now + timeout < call.deadlineAt) {
      core.deadlines.schedule(this, timeout, now);
    }
    let result: unknown;
    try {
      result = call.fn(endpoint.endpoint, this.controller.signal, this.number);
    } catch (error) {
      this.#settleError(error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.#settleValue(value),
        (error: unknown) => this.#settleError(error),
      );
    } else if (isThenable(result)) {
      Promise.resolve(result).then(
        (value) => this.#settleValue(value),
        (error: unknown) => this.#settleError(error),
      );
    } else {
      this.#settleValue(result);
    }
  }

  /** The per-attempt timeout passed. */
  expire(now: number): void {
    if (this.settled) return;
    try {
      const error = this.timeOut(now);
      this.call.attemptFailed(this, { error }, true, now);
    } catch (thrown) {
      this.call.crash(thrown);
    }
  }

  /** Ends the attempt as timed out: it ran its whole `attemptTimeout`, which counts against the endpoint. */
  timeOut(now: number): AttemptTimeoutError {
    const error = new AttemptTimeoutError(this.endpoint.endpoint.id, this.call.attemptTimeout);
    this.abandon(error, 'timed-out', true, now);
    return error;
  }

  #settleValue(value: unknown): void {
    if (this.settled) return;
    try {
      this.#onValue(value);
    } catch (error) {
      this.call.crash(error);
    }
  }

  #settleError(error: unknown): void {
    if (this.settled) return;
    try {
      this.#onError(error);
    } catch (thrown) {
      this.call.crash(thrown);
    }
  }

  #onValue(value: unknown): void {
    const core = this.call.core;
    const now = core.clock.now();
    if (core.handle.options.resultFilter(value)) {
      this.#finish(now, 'failed', { value });
      this.call.attemptFailed(this, { value }, core.retryHandle.options.resultFilter(value), now);
    } else {
      this.#finish(now, 'succeeded', undefined);
      this.call.attemptSucceeded(this, value, now);
    }
  }

  #onError(error: unknown): void {
    const core = this.call.core;
    const now = core.clock.now();
    if (core.handle.options.errorFilter(error)) {
      this.error = error;
      this.#finish(now, 'failed', { error });
      this.call.attemptFailed(this, { error }, core.retryHandle.options.errorFilter(error), now);
    } else {
      this.error = error;
      this.#finish(now, 'answered', undefined);
      this.call.attemptAnswered(this, error, now);
    }
  }

  #finish(
    now: number,
    outcome: 'succeeded' | 'failed' | 'answered',
    failure: FailureReason<unknown> | undefined,
  ): void {
    const core = this.call.core;
    const endpoint = this.endpoint;
    // A real clock can step backwards (NTP); a duration never does.
    const duration = Math.max(0, now - this.startedAt);
    this.outcome = outcome;
    this.duration = duration;
    this.#release();
    endpoint.lastLatency = duration;
    const permit = this.permit;
    const failed = failure !== undefined;
    endpoint.rolling.add2(now, 1, failed ? 1 : 0);
    if (failed) {
      endpoint.latency.observeAtLeast(duration, now);
      endpoint.failures++;
      core.markFailed(endpoint, now);
    } else {
      endpoint.latency.observe(duration, now);
      endpoint.successes++;
      endpoint.downUntil = 0;
    }
    core.limiter?.onAttemptSettled(failed, now);
    // Announced before the breaker hears of it, so an ejection it triggers comes after, as it happened.
    core.emitAttemptSettled(this, failed ? 'failure' : 'success');
    if (failure === undefined) {
      if (outcome === 'succeeded') core.latencies?.record(duration);
      if (permit === undefined) return;
      core.breakerClock.lend(now);
      try {
        permit.success(duration);
      } finally {
        core.breakerClock.end();
        if (permit.probe) core.probeEnded(endpoint);
      }
      return;
    }
    if (permit === undefined) return;
    core.breakerClock.lend(now);
    try {
      permit.failure('error' in failure ? failure.error : failure.value, duration);
    } finally {
      core.breakerClock.end();
      if (permit.probe) core.probeEnded(endpoint);
    }
  }

  /**
   * Ends the attempt without waiting for the function: its signal aborts
   * with `reason`. A timed-out attempt counts against the endpoint (it was too
   * slow); one abandoned for any other reason is not counted, since it says
   * nothing about the endpoint.
   */
  abandon(reason: Error, outcome: 'timed-out' | 'abandoned', counts: boolean, now: number): void {
    if (this.settled) return;
    const core = this.call.core;
    const endpoint = this.endpoint;
    const duration = Math.max(0, now - this.startedAt);
    this.outcome = outcome;
    this.duration = duration;
    this.error = reason;
    this.#release();
    // At least this long: a lower bound on its latency still tells the balancer it was slow.
    endpoint.latency.observeAtLeast(duration, now);
    endpoint.rolling.add2(now, 1, counts ? 1 : 0);
    if (counts) {
      endpoint.failures++;
      core.markFailed(endpoint, now);
      core.limiter?.onAttemptSettled(true, now);
    }
    core.emitAttemptSettled(this, outcome);
    const permit = this.permit;
    if (permit !== undefined) {
      core.breakerClock.lend(now);
      try {
        if (counts) permit.failure(reason, duration);
        else permit.release();
      } finally {
        core.breakerClock.end();
        // A released probe leaves the breaker half-open with its slot free: the endpoint must be routable again.
        if (permit.probe) core.probeEnded(endpoint);
      }
    }
    this.controller.abort(reason);
  }

  /** Gives back the breaker's permit of an attempt that never ran (the budget refused the hedge). */
  discard(): void {
    const permit = this.permit;
    if (permit === undefined) return;
    permit.release();
    if (permit.probe) this.call.core.probeEnded(this.endpoint);
  }

  #release(): void {
    const core = this.call.core;
    this.endpoint.outstanding--;
    this.call.inFlight--;
    core.unlinkInFlight(this);
    core.deadlines.cancel(this);
  }

  record(now: number): AttemptRecord {
    const inFlight = this.outcome === 'in-flight';
    const outcome = this.outcome === 'answered' || this.outcome === 'succeeded' ? 'failed' : this.outcome;
    return {
      endpoint: this.endpoint.endpoint.id,
      attempt: this.number,
      kind: this.kind,
      outcome: outcome as AttemptRecord['outcome'],
      ...(this.error === undefined ? {} : { error: this.error }),
      startedAt: this.startedAt,
      duration: inFlight ? now - this.startedAt : this.duration,
    };
  }
}

/**
 * One `execute`: its attempts, retries, hedges and deadline. It settles
 * exactly once, through `succeed`, `giveUp`, `expire` or the caller's
 * signal, and then abandons whatever is still in flight.
 */
export class Call implements Timed {
  at = 0;
  lane: object | undefined;
  readonly core: RouterCore;
  readonly fn: AttemptFunction<unknown, unknown>;
  readonly startedAt: number;
  readonly timeout: number;
  readonly attemptTimeout: number;
  readonly deadlineAt: number;
  readonly keyHash: number | undefined;
  readonly hedge: ResolvedHedge | undefined;
  /** Whether this call may retry; hedges do not need it. */
  readonly retries: boolean;
  /** Attempts of any kind after which no retry is made. */
  readonly maxAttempts: number;
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
    core: RouterCore,
    fn: AttemptFunction<unknown, unknown>,
    now: number,
    timeout: number,
    attemptTimeout: number,
    keyHash: number | undefined,
    hedge: ResolvedHedge | undefined,
    retries: boolean,
    signal: AbortSignal | undefined,
  ) {
    this.core = core;
    this.fn = fn;
    this.startedAt = now;
    this.timeout = timeout;
    this.attemptTimeout = attemptTimeout;
    this.deadlineAt = now + timeout;
    this.keyHash = keyHash;
    this.hedge = hedge;
    this.retries = retries && core.retry !== undefined;
    this.maxAttempts = this.retries ? (core.retry?.maxAttempts ?? 1) : 1;
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
   * Something the router runs on the user's behalf threw (a \`handle\` filter,
   * a backoff, a retry-after reader, a custom budget): the call fails with
   * that error rather than hang, and the attempts still in flight are abandoned.
   */
  crash(error: unknown): void {
    if (this.done) {
      reportError(error);
      return;
    }
    this.#fail(error, this.core.clock.now(), { error });
  }

  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.crash(error);
    }
  }

  #begin(now: number): void {
    const core = this.core;
    const signal = this.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.cancel(signal);
        return;
      }
      this.#callerSignal = onAbort(signal, () => this.cancel(signal));
    }
    core.limiter?.onCall(now);
    if (this.timeout !== Number.POSITIVE_INFINITY) core.deadlines.schedule(this, this.timeout, now);
    this.#start('first', now);
    if (!this.done && this.hedge !== undefined) this.#scheduleHedge(now);
  }

  /** Whether this call already has an attempt on `endpoint`. */
  tried(endpoint: EndpointState): boolean {
    if (this.attempts === undefined) return this.first?.endpoint === endpoint;
    for (const attempt of this.attempts) if (attempt.endpoint === endpoint) return true;
    return false;
  }

  /** Routes and runs an attempt; false if no endpoint could take it. */
  #start(kind: AttemptKind, now: number): boolean {
    const routed = this.core.route(this, kind, now);
    if (!(routed instanceof Attempt)) {
      if (kind === 'hedge') return false;
      if (routed instanceof NoHealthyEndpointError) this.core.noHealthyEndpoint++;
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
    if (this.first === undefined) {
      this.first = attempt;
    } else {
      this.attempts ??= [this.first];
      this.attempts.push(attempt);
    }
    attempt.run(now);
    return true;
  }

  attemptSucceeded(attempt: Attempt, value: unknown, now: number): void {
    if (this.done) return;
    const core = this.core;
    if (attempt.kind === 'hedge') core.hedgeWins++;
    this.#settle(now, hedgeLost);
    core.successes++;
    this.resolve(value);
    core.emitCallSuccess(now - this.startedAt);
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
      if (this.hedge !== undefined && this.#hedgeTimer !== undefined) {
        this.core.clock.clearTimeout(this.#hedgeTimer);
        this.#hedgeTimer = undefined;
        this.#hedgeNow(now);
      }
      return;
    }
    this.#retry(attempt, reason, now);
  }

  #retry(failed: Attempt, reason: FailureReason<unknown>, now: number): void {
    const core = this.core;
    const retry = core.retry;
    if (retry === undefined || !this.retries || this.started >= this.maxAttempts) {
      this.#giveUp(reason, now, false);
      return;
    }
    const context: IRetryBackoffContext<unknown> = {
      attempt: this.started,
      result: reason,
      signal: NEVER_ABORTED_SIGNAL,
    };
    this.#backoff = nextBackoff(this.#backoff ?? retry.backoff, context, core.random);
    let delay = this.#backoff.duration;
    if (!(delay >= 0)) delay = 0;
    const hint = retry.retryAfter?.(reason, now);
    if (typeof hint === 'number' && hint > delay) delay = hint;
    // A retry that could only start after the deadline is not worth the budget; nor one beyond any timer's reach.
    if (now + delay >= this.deadlineAt || delay > MAX_TIMER_DELAY) {
      this.#giveUp(reason, now, false);
      return;
    }
    const limiter = core.limiter;
    if (limiter !== undefined && !limiter.tryAcquire(now)) {
      core.budgetRefusals++;
      core.emitBudgetExhausted('retry');
      this.#giveUp(reason, now, true);
      return;
    }
    core.retries++;
    core.emitRetry(failed, this.started + 1, delay, reason);
    if (delay === 0) {
      this.#start('retry', now);
      return;
    }
    this.#retryTimer = core.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.done) this.#guard(() => this.#start('retry', this.core.clock.now()));
    }, delay);
  }

  #scheduleHedge(now: number): void {
    const hedge = this.hedge as ResolvedHedge;
    const delay = hedge.delay ?? this.core.hedgeDelay(hedge.percentile as number);
    if (Number.isNaN(delay) || now + delay >= this.deadlineAt || delay > MAX_TIMER_DELAY) return;
    this.#hedgeTimer = this.core.clock.setTimeout(() => {
      this.#hedgeTimer = undefined;
      this.#guard(() => this.#hedgeNow(this.core.clock.now()));
    }, delay);
  }

  #hedgeNow(now: number): void {
    const hedge = this.hedge;
    if (this.done || hedge === undefined || this.inFlight === 0) return;
    if (this.hedgesStarted >= hedge.maxHedges) return;
    const core = this.core;
    const routed = core.route(this, 'hedge', now);
    if (!(routed instanceof Attempt)) return;
    const limiter = core.limiter;
    if (limiter !== undefined && !limiter.tryAcquire(now)) {
      routed.discard();
      core.budgetRefusals++;
      core.emitBudgetExhausted('hedge');
      return;
    }
    this.hedgesStarted++;
    core.hedges++;
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
    this.core.deadlineExceeded++;
    const cutOff = new DeadlineExceededError(this.timeout);
    this.#settle(now, cutOff, true);
    const error = new CallDeadlineExceededError(this.timeout, this.records(now));
    this.core.failures++;
    this.reject(error);
    this.core.emitCallFailure(now - this.startedAt, { error }, true);
  }

  /** The caller's signal aborted. */
  cancel(signal: AbortSignal): void {
    if (this.done) return;
    const now = this.core.clock.now();
    const error = cancellationError(signal);
    this.#settle(now, error);
    this.core.cancelled++;
    this.reject(error);
    this.core.emitCallFailure(now - this.startedAt, { error }, false);
  }

  /** No more attempts: the call ends with its last failure (a result is returned, an error thrown). */
  #giveUp(reason: FailureReason<unknown>, now: number, budgetExhausted: boolean): void {
    if ('value' in reason) {
      this.#settle(now, hedgeLost);
      this.core.failures++;
      this.resolve(reason.value);
      this.core.emitCallFailure(now - this.startedAt, reason, true);
      return;
    }
    let error = reason.error;
    if (budgetExhausted) error = new RetryBudgetExhaustedError(error, this.records(now));
    else if (error instanceof AttemptTimeoutError) {
      error = new AttemptTimeoutError(error.endpoint, error.timeoutMs, this.records(now));
    }
    this.#fail(error, now, reason);
  }

  #fail(error: unknown, now: number, reason: FailureReason<unknown>, handled = true): void {
    this.#settle(now, hedgeLost);
    this.core.failures++;
    this.reject(error);
    this.core.emitCallFailure(now - this.startedAt, reason, handled);
  }

  /** Marks the call done, stops its timers, and abandons the attempts still in flight. */
  #settle(now: number, reason: Error | (() => Error), deadline = false): void {
    this.done = true;
    const core = this.core;
    core.inFlightCalls--;
    core.deadlines.cancel(this);
    if (this.#retryTimer !== undefined) core.clock.clearTimeout(this.#retryTimer);
    if (this.#hedgeTimer !== undefined) core.clock.clearTimeout(this.#hedgeTimer);
    this.#callerSignal?.dispose();
    if (this.inFlight === 0) return;
    // Built only now: an error's stack costs more than the rest of a call.
    const error = typeof reason === 'function' ? reason() : reason;
    if (this.attempts === undefined) {
      if (this.first !== undefined) this.#cutOff(this.first, error, deadline, now);
    } else {
      for (const attempt of this.attempts) this.#cutOff(attempt, error, deadline, now);
    }
  }

  #cutOff(attempt: Attempt, error: Error, deadline: boolean, now: number): void {
    if (attempt.settled) return;
    if (deadline && now - attempt.startedAt >= this.attemptTimeout) attempt.timeOut(now);
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
