import { cancellationError, DeadlineExceededError, type Event, type IDisposable, raceAbort } from '@palisade/core';
import { isThenable, NEVER_ABORTED_SIGNAL, oneOfOption } from '@palisade/core/internal';
import {
  type CircuitState,
  type FailureReason,
  type IDefaultPolicyContext,
  type IFailureEvent,
  type IPolicy,
  type ISuccessEvent,
  TaskCancelledError,
} from 'cockatiel';
import { BreakerCore } from './breaker-core.js';
import type { BreakerRejectEvent, BreakReason } from './breaker-events.js';
import { type BreakerMode, breakerModes } from './breaker-mode.js';
import { type CircuitBreakerOptions, resolveBreakerOptions } from './breaker-options.js';
import type { BreakerStats } from './breaker-stats.js';
import type { CircuitRecord } from './circuit-record.js';
import { checkExecuteArguments } from './execute-arguments.js';
import { OUTCOME_ERROR, OUTCOME_VALUE } from './outcome.js';
import { BreakerPermit, type BreakerRejection } from './permit.js';
import type { BreakerSnapshot } from './snapshot.js';
import { rejectionReasonOf } from './ticket.js';

// Assigned by the class's static block: the registry needs the core, the public API must not expose it.
let coreOf: (breaker: CircuitBreaker) => BreakerCore;

/**
 * A call that settled synchronously. Still a promise, whatever happens: a
 * `handle` predicate, a custom rule or a store that throws while the outcome
 * is counted rejects the call rather than throwing out of `execute`.
 * (Listeners cannot throw here: their errors are reported, never unwound.)
 */
function settledNow<T>(
  core: BreakerCore,
  ticket: number,
  kind: typeof OUTCOME_VALUE | typeof OUTCOME_ERROR,
  outcome: unknown,
  start: number,
): Promise<T> {
  try {
    core.complete(ticket, kind, outcome, start);
  } catch (listenerError) {
    return Promise.reject(listenerError);
  }
  return kind === OUTCOME_VALUE ? Promise.resolve(outcome as T) : Promise.reject(outcome);
}

// One frozen context for every call made without a signal: nothing can abort it, and nothing is allocated per call.
const neverAbortedContext: IDefaultPolicyContext = Object.freeze({ signal: NEVER_ABORTED_SIGNAL });

/**
 * A circuit breaker that is a cockatiel policy: `execute(fn, signal?)`,
 * `onSuccess`/`onFailure`, composable with cockatiel's `wrap()`. It adds
 * sliding-window and slow-call trip rules, probe sampling, growing open
 * periods, disabled and metrics-only modes, a permit API for callers that run
 * calls themselves, and a store seam for sharing state.
 */
export class CircuitBreaker implements IPolicy<IDefaultPolicyContext, never> {
  declare readonly _altReturn: never;
  readonly #core: BreakerCore;
  #handlersTicket = -1;
  #onValue: ((value: unknown) => unknown) | undefined;
  #onError: ((error: unknown) => never) | undefined;

  constructor(options?: CircuitBreakerOptions) {
    this.#core = new BreakerCore(resolveBreakerOptions(options));
  }

  /** Fires when the circuit opens, with the failure that opened it, or `{ isolated: true }`. */
  get onBreak(): Event<BreakReason> {
    return this.#core.on('break');
  }

  /** Fires when the circuit closes. */
  get onReset(): Event<void> {
    return this.#core.on('reset');
  }

  /** Fires when the circuit turns half-open and starts probing. */
  get onHalfOpen(): Event<void> {
    return this.#core.on('halfOpen');
  }

  /** Fires on every state change, with cockatiel's `CircuitState`. */
  get onStateChange(): Event<CircuitState> {
    return this.#core.on('stateChange');
  }

  /** Fires when a call is not counted as a failure, with its duration. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.#core.on('success');
  }

  /**
   * Fires when a call fails, as in cockatiel: `handled` says whether it was
   * counted as a failure (an error `handle` does not select, or a call its
   * caller cancelled, has `handled: false`).
   */
  get onFailure(): Event<IFailureEvent> {
    return this.#core.on('failure');
  }

  /** Fires when a call is turned away. */
  get onReject(): Event<BreakerRejectEvent> {
    return this.#core.on('reject');
  }

  /**
   * Runs `fn` if the circuit admits it, and counts how it went.
   *
   * Rejects at once with `BreakerOpenError`, `BreakerHalfOpenError` or
   * `BreakerIsolatedError` (all cockatiel `BrokenCircuitError`s) when the
   * circuit turns the call away. If `signal` aborts, the call rejects with the
   * cancellation error at once, even if `fn` ignores the signal; a call
   * cancelled by its caller is not counted, except a `DeadlineExceededError`,
   * which counts as any error would. An `fn` that throws synchronously is
   * treated exactly like one that rejects.
   *
   * Throws `InvalidArgumentError` at once, without counting anything, when
   * `fn` is not a function or `signal` is neither undefined nor an AbortSignal.
   */
  execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    checkExecuteArguments(fn, signal);
    if (signal !== undefined) return this.#executeWithSignal(fn, signal);
    const core = this.#core;
    const ticket = core.admit();
    if (ticket < 0) return core.rejection(ticket);
    const start = core.needsStart() ? core.clock.now() : Number.NaN;
    let result: PromiseLike<T> | T;
    try {
      result = fn(neverAbortedContext);
    } catch (error) {
      return settledNow(core, ticket, OUTCOME_ERROR, error, start);
    }
    if (!isThenable(result)) return settledNow(core, ticket, OUTCOME_VALUE, result, start);
    // `.then` with handlers shared by every untimed call of the same state,
    // rather than an async function: one promise hop less, and no closure
    // per call. Timed calls need their start time, so they get their own.
    if (Number.isNaN(start)) {
      if (this.#handlersTicket !== ticket) this.#shareHandlers(ticket);
      return Promise.resolve(result).then(this.#onValue as (value: T) => T, this.#onError);
    }
    return Promise.resolve(result).then(
      (value) => {
        core.complete(ticket, OUTCOME_VALUE, value, start);
        return value;
      },
      (error: unknown) => {
        core.complete(ticket, OUTCOME_ERROR, error, start);
        throw error;
      },
    );
  }

  #shareHandlers(ticket: number): void {
    const core = this.#core;
    this.#handlersTicket = ticket;
    this.#onValue = (value) => {
      core.complete(ticket, OUTCOME_VALUE, value, Number.NaN);
      return value;
    };
    this.#onError = (error) => {
      core.complete(ticket, OUTCOME_ERROR, error, Number.NaN);
      throw error;
    };
  }

  #executeWithSignal<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(cancellationError(signal));
    const core = this.#core;
    const ticket = core.admit();
    if (ticket < 0) return core.rejection(ticket);
    return this.#runAbortable(fn, ticket, signal);
  }

  async #runAbortable<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    ticket: number,
    signal: AbortSignal,
  ): Promise<T> {
    const core = this.#core;
    const start = core.needsStart() ? core.clock.now() : Number.NaN;
    let value: T;
    try {
      value = await raceAbort(Promise.resolve(fn({ signal })), signal);
    } catch (error) {
      // cancellationError() only ever produces TaskCancelledErrors.
      const cancelled = signal.aborted && error instanceof TaskCancelledError;
      if (cancelled && !(error instanceof DeadlineExceededError)) core.release(ticket, error);
      else core.complete(ticket, OUTCOME_ERROR, error, start);
      throw error;
    }
    core.complete(ticket, OUTCOME_VALUE, value, start);
    return value;
  }

  /**
   * Asks for permission to make one call without running it: a `BreakerPermit`
   * to report the outcome on, or a `BreakerRejection` saying why not and for
   * how long. Never throws and never allocates an error, so a router can ask
   * on every pick.
   */
  tryAcquire(): BreakerPermit | BreakerRejection {
    const core = this.#core;
    const ticket = core.admit();
    if (ticket >= 0) return new BreakerPermit(core, ticket);
    return { admitted: false, reason: rejectionReasonOf(ticket), retryAfter: core.lastRetryAfter };
  }

  /** cockatiel's view of the state. Open stays Open until a call arrives after the open period; then `retryAfter` is 0. */
  get state(): CircuitState {
    return this.#core.state;
  }

  /** The circuit's record: which state, since when, and for open, until when and how many times in a row. */
  get record(): CircuitRecord {
    return this.#core.record;
  }

  /** Milliseconds until a call may be admitted: 0 when closed or half-open, or open and due to probe; Infinity when isolated. */
  get retryAfter(): number {
    return this.#core.retryAfter;
  }

  /** The last failure counted, as in cockatiel. */
  get lastFailure(): FailureReason<unknown> | undefined {
    return this.#core.lastFailure;
  }

  get mode(): BreakerMode {
    return this.#core.mode;
  }

  /** Switches between `normal`, `disabled` and `metrics-only`. Leaving `normal` closes an open circuit; isolation stays. */
  setMode(mode: BreakerMode): void {
    this.#core.setMode(oneOfOption('mode', mode, breakerModes));
  }

  /**
   * Holds the circuit open by hand (force open) until the returned handle is
   * disposed; handles nest. Calls are rejected with `BreakerIsolatedError`,
   * in every mode.
   */
  isolate(): IDisposable {
    return this.#core.isolate();
  }

  /** Closes the circuit by hand from any state, ending isolation, and empties the windows and the backoff. */
  reset(): void {
    this.#core.reset();
  }

  stats(): BreakerStats {
    return this.#core.stats();
  }

  /** The state to pass as `initialState` to resume later, as in cockatiel. */
  toJSON(): BreakerSnapshot {
    return this.#core.toJSON();
  }

  static {
    coreOf = (breaker) => breaker.#core;
  }
}

/** The state machine behind a breaker, for the registry. Not exported from the package. */
export function breakerCore(breaker: CircuitBreaker): BreakerCore {
  return coreOf(breaker);
}
