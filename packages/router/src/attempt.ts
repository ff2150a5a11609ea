import type { BreakerPermit } from '@palisade/breaker';
import { isThenable } from '@palisade/core/internal';
import type { FailureReason } from 'cockatiel';
import type { CallHost, CallSettings } from './call-host.js';
import type { Timed } from './deadline-queue.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointState, InFlightAttempt } from './endpoint-state.js';
import { type AttemptKind, type AttemptRecord, AttemptTimeoutError } from './errors.js';
import type { AttemptSettledEvent } from './events.js';

/** What `execute` runs: called once per attempt with the endpoint and the attempt's signal. */
export type AttemptFunction<D, T> = (endpoint: Endpoint<D>, signal: AbortSignal, attempt: number) => PromiseLike<T> | T;

type AttemptOutcome = AttemptRecord['outcome'] | 'succeeded' | 'answered';

/** The call an attempt belongs to, as the attempt sees it: what to run, and whom to tell how it ended. */
export interface AttemptOwner {
  readonly host: CallHost;
  readonly fn: AttemptFunction<unknown, unknown>;
  readonly settings: CallSettings;
  /** Clock time of the call's deadline: an attempt's own timeout past it is not scheduled. */
  readonly deadlineAt: number;
  /** The attempt no longer runs (settled or abandoned): it left the call's attempts in flight. */
  attemptReleased(): void;
  attemptSucceeded(attempt: Attempt, value: unknown, now: number): void;
  attemptFailed(attempt: Attempt, reason: FailureReason<unknown>, retryable: boolean, now: number): void;
  /** The endpoint answered with an error that is not a failure. */
  attemptAnswered(attempt: Attempt, error: unknown, now: number): void;
  /** Something run on the user's behalf threw while the attempt was being handled. */
  crash(error: unknown): void;
}

/**
 * One attempt of a call on one endpoint. It settles exactly once: when the
 * function settles, or earlier when it is abandoned (a timeout, a winning
 * hedge, the caller's cancellation, the endpoint's removal), in which case
 * its signal aborts and whatever the function does later is ignored.
 */
// Call and Attempt carry the queue's fields themselves: a base class costs a constructor call per object.
export class Attempt implements Timed, InFlightAttempt {
  at = 0;
  lane: object | undefined;
  readonly owner: AttemptOwner;
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
  previousInFlight: InFlightAttempt | undefined;
  nextInFlight: InFlightAttempt | undefined;

  constructor(
    owner: AttemptOwner,
    endpoint: EndpointState,
    permit: BreakerPermit | undefined,
    number: number,
    kind: AttemptKind,
    panic: boolean,
  ) {
    this.owner = owner;
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
    const owner = this.owner;
    const host = owner.host;
    const endpoint = this.endpoint;
    this.startedAt = now;
    endpoint.outstanding++;
    endpoint.attempts++;
    endpoint.linkInFlight(this);
    host.attemptStarted();
    const events = host.callEvents;
    if (events?.heard('attempt')) {
      events.emit('attempt', {
        endpoint: endpoint.endpoint,
        attempt: this.number,
        kind: this.kind,
        probe: this.permit?.probe === true,
        panic: this.panic,
      });
    }
    const timeout = owner.settings.attemptTimeout;
    if (timeout !== Number.POSITIVE_INFINITY && now + timeout < owner.deadlineAt) {
      host.deadlines.schedule(this, timeout, now);
    }
    let result: unknown;
    try {
      result = owner.fn(endpoint.endpoint, this.controller.signal, this.number);
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
      this.owner.attemptFailed(this, { error }, true, now);
    } catch (thrown) {
      this.owner.crash(thrown);
    }
  }

  /** Ends the attempt as timed out: it ran its whole `attemptTimeout`, which counts against the endpoint. */
  timeOut(now: number): AttemptTimeoutError {
    const error = new AttemptTimeoutError(this.endpoint.endpoint.id, this.owner.settings.attemptTimeout);
    this.abandon(error, 'timed-out', true, now);
    return error;
  }

  endpointRemoved(reason: Error, now: number): void {
    this.abandon(reason, 'abandoned', false, now);
    this.owner.attemptFailed(this, { error: reason }, true, now);
  }

  #settleValue(value: unknown): void {
    if (this.settled) return;
    try {
      this.#onValue(value);
    } catch (error) {
      this.owner.crash(error);
    }
  }

  #settleError(error: unknown): void {
    if (this.settled) return;
    try {
      this.#onError(error);
    } catch (thrown) {
      this.owner.crash(thrown);
    }
  }

  #onValue(value: unknown): void {
    const owner = this.owner;
    const host = owner.host;
    const now = host.clock.now();
    if (host.handle.options.resultFilter(value)) {
      this.#finish(now, 'failed', { value });
      owner.attemptFailed(this, { value }, host.retryHandle.options.resultFilter(value), now);
    } else {
      this.#finish(now, 'succeeded', undefined);
      owner.attemptSucceeded(this, value, now);
    }
  }

  #onError(error: unknown): void {
    const owner = this.owner;
    const host = owner.host;
    const now = host.clock.now();
    this.error = error;
    if (host.handle.options.errorFilter(error)) {
      this.#finish(now, 'failed', { error });
      owner.attemptFailed(this, { error }, host.retryHandle.options.errorFilter(error), now);
    } else {
      this.#finish(now, 'answered', undefined);
      owner.attemptAnswered(this, error, now);
    }
  }

  #finish(
    now: number,
    outcome: 'succeeded' | 'failed' | 'answered',
    failure: FailureReason<unknown> | undefined,
  ): void {
    const host = this.owner.host;
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
      host.markFailed(endpoint, now);
    } else {
      endpoint.latency.observe(duration, now);
      endpoint.successes++;
      endpoint.downUntil = 0;
    }
    host.limiter?.onAttemptSettled(failed, now);
    // Announced before the breaker hears of it, so an ejection it triggers comes after, as it happened.
    this.#announceSettled(failed ? 'failure' : 'success');
    if (failure === undefined) {
      if (outcome === 'succeeded') host.latencies?.record(duration);
      if (permit === undefined) return;
      host.breakerClock.lend(now);
      try {
        permit.success(duration);
      } finally {
        host.breakerClock.end();
        if (permit.probe) host.probeEnded(endpoint);
      }
      return;
    }
    if (permit === undefined) return;
    host.breakerClock.lend(now);
    try {
      permit.failure('error' in failure ? failure.error : failure.value, duration);
    } finally {
      host.breakerClock.end();
      if (permit.probe) host.probeEnded(endpoint);
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
    const host = this.owner.host;
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
      host.markFailed(endpoint, now);
      host.limiter?.onAttemptSettled(true, now);
    }
    this.#announceSettled(outcome);
    const permit = this.permit;
    if (permit !== undefined) {
      host.breakerClock.lend(now);
      try {
        if (counts) permit.failure(reason, duration);
        else permit.release();
      } finally {
        host.breakerClock.end();
        // A released probe leaves the breaker half-open with its slot free: the endpoint must be routable again.
        if (permit.probe) host.probeEnded(endpoint);
      }
    }
    this.controller.abort(reason);
  }

  /** Gives back the breaker's permit of an attempt that never ran (the budget refused the hedge). */
  discard(): void {
    const permit = this.permit;
    if (permit === undefined) return;
    permit.release();
    if (permit.probe) this.owner.host.probeEnded(this.endpoint);
  }

  #release(): void {
    this.endpoint.outstanding--;
    this.endpoint.unlinkInFlight(this);
    this.owner.host.deadlines.cancel(this);
    this.owner.attemptReleased();
  }

  #announceSettled(outcome: AttemptSettledEvent['outcome']): void {
    const events = this.owner.host.callEvents;
    if (events === undefined || !events.heard('attemptSettled')) return;
    events.emit('attemptSettled', {
      endpoint: this.endpoint.endpoint,
      attempt: this.number,
      kind: this.kind,
      outcome,
      duration: this.duration,
      ...(outcome === 'success' || this.error === undefined ? {} : { error: this.error }),
    });
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
