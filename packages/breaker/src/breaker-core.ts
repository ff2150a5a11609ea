import type { Clock, Event } from '@palisade/core';
import { LazyEmitters, NEVER_ABORTED_SIGNAL } from '@palisade/core/internal';
import {
  type CircuitState,
  type FailureReason,
  HydratingCircuitError,
  type IBackoff,
  type IBackoffFactory,
  type IFailureEvent,
  type IHalfOpenAfterBackoffContext,
  type ISuccessEvent,
  type Policy,
} from 'cockatiel';
import type { BreakerMode, ResolvedOptions } from './breaker-options.js';
import type { CircuitKind, CircuitRecord, ClosedRecord, HalfOpenRecord, OpenRecord } from './circuit-record.js';
import { toCircuitState } from './circuit-record.js';
import {
  BreakerHalfOpenError,
  BreakerIsolatedError,
  BreakerOpenError,
  type BreakerRejectedError,
  BreakerStoreConflictError,
  ProbeTimeoutError,
  type RejectionReason,
} from './errors.js';
import { BreakerPermit, type BreakerRejection } from './permit.js';
import { type BreakerSnapshot, snapshotOf } from './snapshot.js';
import type { BreakerStore, ProbeTally } from './store.js';
import type { RuleMetrics, TripRule } from './trip-rule.js';

/**
 * A ticket is what admission hands out instead of an object: `epoch * 2`, plus
 * 1 for a half-open probe. Negative tickets are rejections. The hot path of
 * `execute` keeps it in a local variable, so a call allocates nothing here.
 */
const REJECTED_OPEN = -1;
const REJECTED_HALF_OPEN = -2;
const REJECTED_ISOLATED = -3;
const rejectionReasons: readonly RejectionReason[] = ['open', 'half-open', 'isolated'];

/** How a call ended, as the core is told. */
export const OUTCOME_VALUE = 0;
export const OUTCOME_ERROR = 1;
const OUTCOME_SUCCESS = 2;
const OUTCOME_FAILURE = 3;
type OutcomeKind = 0 | 1 | 2 | 3;

const NORMAL = 0;
const DISABLED = 1;
const METRICS_ONLY = 2;
const modeCodes: Readonly<Record<BreakerMode, number>> = {
  normal: NORMAL,
  disabled: DISABLED,
  'metrics-only': METRICS_ONLY,
};
const modeNames: readonly BreakerMode[] = ['normal', 'disabled', 'metrics-only'];

/** What `onBreak` carries: the failure that opened the circuit, or `{ isolated: true }` (as in cockatiel). */
export type BreakReason = FailureReason<unknown> | { readonly isolated: true };

/** What `onReject` carries: why a call was turned away, and when to try again. */
export interface BreakerRejectEvent {
  readonly reason: RejectionReason;
  /** Milliseconds until the breaker may admit again: see `retryAfter`. */
  readonly retryAfter: number;
}

/** A snapshot of a breaker's counters. Cheap: O(number of rules), no history is kept. */
export interface BreakerStats {
  /** cockatiel's state: Closed, Open, HalfOpen or Isolated. */
  readonly state: CircuitState;
  readonly mode: BreakerMode;
  /** Clock time at which the current state began. */
  readonly since: number;
  /** Milliseconds spent in the current state so far. */
  readonly timeInState: number;
  /** Calls that settled, since the breaker was created. */
  readonly calls: number;
  readonly successes: number;
  /** Calls that `handle` counted as failures. */
  readonly failures: number;
  /** Calls slower than the smallest `slowCallDuration` of the rules. */
  readonly slowCalls: number;
  /** `failures / calls` since creation; each rule's window is in `rules`. */
  readonly failureRate: number;
  readonly slowCallRate: number;
  /** Calls turned away, in any state. */
  readonly rejections: number;
  /** Calls admitted and not settled yet. */
  readonly inFlight: number;
  /** How many times the circuit opened (isolation excluded). */
  readonly opens: number;
  /** How many times a rule said "open", including in `metrics-only` mode where nothing opens. */
  readonly trips: number;
  /** What each rule sees now, in the order of the `rule` option. */
  readonly rules: readonly RuleMetrics[];
}

/** V8's knob; elsewhere setting it is harmless. */
const v8Error = Error as ErrorConstructor & { stackTraceLimit?: number };
const noop = (): void => {};

/**
 * The one state machine behind `execute`, the permit API and the registry.
 * It asks the store for the circuit's record, feeds settled calls to the trip
 * rules while closed, tallies probes while half-open, and announces each
 * transition it makes or notices.
 */
export class BreakerCore {
  readonly clock: Clock;
  readonly #store: BreakerStore;
  readonly #rules: readonly TripRule[];
  /** Per rule: its own handle, or undefined when it shares the breaker's. Null when no rule has its own: the common case, classified once. */
  readonly #ruleHandles: readonly (Policy | undefined)[] | null;
  readonly #errorFilter: (error: unknown) => boolean;
  readonly #resultFilter: (result: unknown) => boolean;
  readonly #needsTime: boolean;
  /** The smallest slowCallDuration of the rules: what `stats().slowCalls` and the probes count as slow. */
  readonly #slowCallDuration: number;
  readonly #needsDuration: boolean;
  /** A fixed number of milliseconds, or a backoff asked at each opening. */
  readonly #halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  readonly #probes: number;
  readonly #successThreshold: number;
  readonly #maxHalfOpenDuration: number;
  #mode: number;

  /** The last record this breaker announced; a different epoch in the store means someone else moved it. */
  #seenEpoch: number;
  #seenKind: CircuitKind;
  /** The open period's backoff step and the opening it was computed for; undefined while closed. */
  #backoff: { readonly step: IBackoff<IHalfOpenAfterBackoffContext>; readonly attempt: number } | undefined;
  #isolationHolds = 0;

  #inFlight = 0;
  #calls = 0;
  #successes = 0;
  #failures = 0;
  #slowCalls = 0;
  #rejections = 0;
  #released = 0;
  #opens = 0;
  #trips = 0;
  #lastFailure: FailureReason<unknown> | undefined;
  /** What the latest rejection computed, so that tryAcquire reads the clock once. */
  #lastRetryAfter = 0;

  // Created on first subscription: most breakers in a large registry are never listened to.
  #emitters: LazyEmitters<BreakerEvents> | undefined;
  // One rejection per state: every call turned away in the same open period gets the same settled promise.
  #rejection: { readonly epoch: number; readonly ticket: number; readonly promise: Promise<never> } | undefined;

  constructor(options: ResolvedOptions) {
    this.clock = options.clock;
    this.#store = options.store;
    this.#rules = options.rules;
    const handle = options.handle;
    const ruleHandles = options.rules.map((rule) =>
      rule.handle === undefined || rule.handle === handle ? undefined : rule.handle,
    );
    this.#ruleHandles = ruleHandles.some((ruleHandle) => ruleHandle !== undefined) ? ruleHandles : null;
    this.#errorFilter = handle.options.errorFilter;
    this.#resultFilter = handle.options.resultFilter;
    this.#needsTime = options.rules.some((rule) => rule.needsTime);
    this.#slowCallDuration = Math.min(...options.rules.map((rule) => rule.slowCallDuration));
    this.#needsDuration = this.#slowCallDuration !== Number.POSITIVE_INFINITY;
    this.#halfOpenAfter = options.halfOpenAfter;
    this.#probes = options.probes;
    this.#successThreshold = options.successThreshold;
    this.#maxHalfOpenDuration = options.maxHalfOpenDuration;
    this.#mode = modeCodes[options.mode];
    const record = this.#store.current();
    this.#seenEpoch = record.epoch;
    this.#seenKind = record.kind;
    if (this.#mode !== NORMAL && (record.kind === 'open' || record.kind === 'half-open')) this.#close(record);
  }

  // --- admission ---------------------------------------------------------

  /** Admits a call or turns it away; returns a ticket (≥ 0) or a rejection (< 0). Never throws. */
  admit(): number {
    const record = this.#store.current();
    if (record.epoch !== this.#seenEpoch) this.#notice(record);
    if (record.kind === 'closed' || (this.#mode !== NORMAL && record.kind !== 'isolated')) {
      this.#inFlight++;
      return record.epoch * 2;
    }
    return this.#admitAbnormal(record, true);
  }

  #admitAbnormal(record: CircuitRecord, mayRetry: boolean): number {
    switch (record.kind) {
      case 'isolated':
        return this.#reject(REJECTED_ISOLATED, Number.POSITIVE_INFINITY);
      case 'half-open':
        return this.#admitProbe(record);
      case 'open': {
        const now = this.clock.now();
        if (now < record.until) return this.#reject(REJECTED_OPEN, record.until - now);
        const halfOpen: HalfOpenRecord = {
          kind: 'half-open',
          epoch: record.epoch + 1,
          since: now,
          attempt: record.attempt,
        };
        if (this.#transition(halfOpen)) {
          this.#announce(halfOpen, undefined);
          return this.#admitProbe(halfOpen);
        }
        // Another writer moved the circuit first: look once more, then give up rather than spin.
        const current = this.#store.current();
        if (!mayRetry || current.epoch === record.epoch) return this.#reject(REJECTED_OPEN, 0);
        if (current.epoch !== this.#seenEpoch) this.#notice(current);
        if (current.kind === 'closed' || (this.#mode !== NORMAL && current.kind !== 'isolated')) {
          this.#inFlight++;
          return current.epoch * 2;
        }
        return this.#admitAbnormal(current, false);
      }
      default:
        this.#inFlight++;
        return record.epoch * 2;
    }
  }

  #admitProbe(record: HalfOpenRecord): number {
    if (this.#store.acquireProbe(record.epoch, this.#probes)) {
      this.#inFlight++;
      return record.epoch * 2 + 1;
    }
    if (this.#maxHalfOpenDuration !== Number.POSITIVE_INFINITY) {
      const now = this.clock.now();
      if (now - record.since >= this.#maxHalfOpenDuration) {
        const opened = this.#open(record, { error: new ProbeTimeoutError(this.#maxHalfOpenDuration) }, now);
        if (opened !== undefined) return this.#reject(REJECTED_OPEN, opened.until - now);
      }
    }
    return this.#reject(REJECTED_HALF_OPEN, 0);
  }

  #reject(ticket: number, retryAfter: number): number {
    this.#rejections++;
    this.#lastRetryAfter = retryAfter;
    const emitters = this.#emitters;
    if (emitters?.heard('reject')) {
      emitters.emit('reject', {
        reason: rejectionReasons[-ticket - 1] as RejectionReason,
        retryAfter: Math.max(0, retryAfter),
      });
    }
    return ticket;
  }

  /**
   * The promise `execute` returns for a rejection ticket: already rejected,
   * and already observed. Building an error and a rejected promise per call
   * costs about 1 µs in Node (the error, and the unhandled-rejection
   * bookkeeping of a promise rejected with no handler yet); handing out one
   * per state costs nothing. The error's `retryAfter` reads the clock, so it
   * stays true for every caller.
   */
  rejection(ticket: number): Promise<never> {
    const epoch = this.#store.current().epoch;
    const cached = this.#rejection;
    if (cached !== undefined && cached.epoch === epoch && cached.ticket === ticket) return cached.promise;
    const promise = Promise.reject(this.#rejectionError(ticket));
    promise.catch(noop);
    this.#rejection = { epoch, ticket, promise };
    return promise;
  }

  #rejectionError(ticket: number): BreakerRejectedError {
    // Shared by many calls, a stack would point at whichever call came first.
    const stackTraceLimit = v8Error.stackTraceLimit;
    v8Error.stackTraceLimit = 0;
    try {
      if (ticket === REJECTED_ISOLATED) return new BreakerIsolatedError();
      if (ticket === REJECTED_HALF_OPEN) return new BreakerHalfOpenError(0);
      return new BreakerOpenError(() => this.retryAfter);
    } finally {
      v8Error.stackTraceLimit = stackTraceLimit;
    }
  }

  /** The permit API: admission as an object that reports its own outcome, or a rejection. Never throws. */
  tryAcquire(): BreakerPermit | BreakerRejection {
    const ticket = this.admit();
    if (ticket >= 0) return new BreakerPermit(this, ticket);
    return {
      admitted: false,
      reason: rejectionReasons[-ticket - 1] as RejectionReason,
      retryAfter: Math.max(0, this.#lastRetryAfter),
    };
  }

  // --- outcomes ------------------------------------------------------------

  /** Whether `execute` must read the clock when a call starts: for slow calls, or for listeners that want durations. */
  needsStart(): boolean {
    const emitters = this.#emitters;
    return this.#needsDuration || (emitters !== undefined && (emitters.heard('success') || emitters.heard('failure')));
  }

  /**
   * A call run by `execute` settled. `start` is the clock time it started, or
   * NaN when nothing needed its duration.
   */
  complete(ticket: number, kind: typeof OUTCOME_VALUE | typeof OUTCOME_ERROR, outcome: unknown, start: number): void {
    const timed = !Number.isNaN(start);
    const now = timed || this.#needsTime ? this.clock.now() : 0;
    this.#settle(ticket, kind, outcome, timed ? now - start : 0, now, timed);
  }

  /** A permit reported its outcome, already classified by the caller. */
  completePermit(ticket: number, succeeded: boolean, reason: unknown, duration: number): void {
    const now = this.#needsTime ? this.clock.now() : 0;
    this.#settle(ticket, succeeded ? OUTCOME_SUCCESS : OUTCOME_FAILURE, reason, duration, now, true);
  }

  /**
   * A call ended without an outcome the rules should count (its caller gave
   * up, or the permit was not used). A probe slot goes back for another call.
   */
  release(ticket: number, cancellation?: unknown): void {
    this.#inFlight--;
    this.#released++;
    if (ticket % 2 === 1) this.#store.releaseProbe((ticket - 1) / 2);
    const emitters = this.#emitters;
    if (cancellation !== undefined && emitters?.heard('failure')) {
      emitters.emit('failure', { duration: 0, handled: false, reason: { error: cancellation } });
    }
  }

  #settle(ticket: number, kind: OutcomeKind, outcome: unknown, duration: number, now: number, timed: boolean): void {
    this.#inFlight--;
    this.#calls++;
    const failed =
      kind === OUTCOME_VALUE
        ? this.#resultFilter(outcome)
        : kind === OUTCOME_ERROR
          ? this.#errorFilter(outcome)
          : kind === OUTCOME_FAILURE;
    const slow = duration > this.#slowCallDuration;
    if (failed) {
      this.#failures++;
      this.#lastFailure = failureReasonOf(kind, outcome);
    } else {
      this.#successes++;
    }
    if (slow) this.#slowCalls++;
    if (timed) this.#emitOutcome(kind, outcome, failed, duration);
    if (this.#mode !== DISABLED) this.#feed(ticket, kind, outcome, failed, slow, duration, now);
  }

  #emitOutcome(kind: OutcomeKind, outcome: unknown, failed: boolean, duration: number): void {
    const emitters = this.#emitters;
    if (emitters === undefined) return;
    if (failed || kind === OUTCOME_ERROR) {
      if (emitters.heard('failure')) {
        emitters.emit('failure', { duration, handled: failed, reason: failureReasonOf(kind, outcome) });
      }
    } else if (emitters.heard('success')) {
      emitters.emit('success', { duration });
    }
  }

  #feed(
    ticket: number,
    kind: OutcomeKind,
    outcome: unknown,
    failed: boolean,
    slow: boolean,
    duration: number,
    now: number,
  ): void {
    const probe = ticket % 2;
    const epoch = (ticket - probe) / 2;
    const record = this.#store.current();
    // Admitted under an earlier state: what it says is about a circuit that has since moved on.
    if (record.epoch !== epoch) return;
    if (record.kind === 'closed') {
      const rules = this.#rules;
      const handles = this.#ruleHandles;
      let trips = false;
      for (let i = 0; i < rules.length; i++) {
        const handle = handles === null ? undefined : handles[i];
        const ruleFailed = handle === undefined ? failed : classify(handle, kind, outcome);
        if ((rules[i] as TripRule).record(ruleFailed, duration, now)) trips = true;
      }
      if (trips) this.#trip(record, kind, outcome);
    } else if (record.kind === 'half-open' && probe === 1) {
      const tally = this.#store.recordProbe(epoch, !failed && !slow);
      if (tally !== undefined) this.#decide(record, tally, kind, outcome);
    }
  }

  #trip(record: ClosedRecord, kind: OutcomeKind, outcome: unknown): void {
    this.#trips++;
    if (this.#mode === METRICS_ONLY) {
      this.#resetRules();
      return;
    }
    this.#open(record, failureReasonOf(kind, outcome), this.clock.now());
  }

  /** Closes or re-opens as soon as the probes' outcome is certain. */
  #decide(record: HalfOpenRecord, tally: ProbeTally, kind: OutcomeKind, outcome: unknown): void {
    const probes = this.#probes;
    // Division for the same reason as in the rules: it matches the threshold exactly.
    if (tally.successes / probes >= this.#successThreshold) {
      this.#close(record);
    } else if ((probes - tally.failures) / probes < this.#successThreshold) {
      this.#open(record, failureReasonOf(kind, outcome), this.clock.now());
    }
  }

  // --- transitions ---------------------------------------------------------

  #open(from: ClosedRecord | HalfOpenRecord, reason: FailureReason<unknown>, now: number): OpenRecord | undefined {
    const attempt = from.kind === 'half-open' ? from.attempt + 1 : 1;
    const duration = this.#openDuration(attempt, reason);
    const next: OpenRecord = { kind: 'open', epoch: from.epoch + 1, since: now, until: now + duration, attempt };
    if (!this.#transition(next)) return undefined;
    this.#opens++;
    this.#announce(next, reason);
    return next;
  }

  /**
   * The open period for the `attempt`-th opening in a row. The backoff is a
   * chain of immutable steps; when the store moved the circuit elsewhere or
   * state was restored, the chain is replayed up to `attempt`.
   */
  #openDuration(attempt: number, reason: FailureReason<unknown>): number {
    const halfOpenAfter = this.#halfOpenAfter;
    if (typeof halfOpenAfter === 'number') return halfOpenAfter;
    const context = (n: number): IHalfOpenAfterBackoffContext => ({
      attempt: n,
      result: reason,
      signal: NEVER_ABORTED_SIGNAL,
    });
    const previous = this.#backoff;
    let step: IBackoff<IHalfOpenAfterBackoffContext>;
    if (attempt > 1 && previous !== undefined && previous.attempt === attempt - 1) {
      step = previous.step.next(context(attempt));
    } else {
      step = halfOpenAfter.next(context(1));
      for (let n = 2; n <= attempt; n++) step = step.next(context(n));
    }
    this.#backoff = { step, attempt };
    const duration = step.duration;
    // NaN or a negative duration from a custom backoff means "probe at once", never "never".
    return Number.isNaN(duration) || duration < 0 ? 0 : duration;
  }

  #close(from: CircuitRecord): void {
    const next: ClosedRecord = { kind: 'closed', epoch: from.epoch + 1, since: this.clock.now() };
    if (this.#transition(next)) this.#announce(next, undefined);
  }

  /** Applies a transition to the store; on success, the breaker's own view follows. */
  #transition(next: CircuitRecord): boolean {
    if (!this.#store.transition(next)) return false;
    this.#adopt(next);
    return true;
  }

  #adopt(record: CircuitRecord): void {
    this.#seenEpoch = record.epoch;
    this.#seenKind = record.kind;
    if (record.kind === 'closed') {
      this.#resetRules();
      this.#backoff = undefined;
    }
    if (record.kind !== 'isolated') this.#isolationHolds = 0;
  }

  /** The store's record moved without this breaker (another process, another breaker on the same store). */
  #notice(record: CircuitRecord): void {
    const previous = this.#seenKind;
    this.#adopt(record);
    if (record.kind !== previous) {
      this.#announce(record, record.kind === 'open' ? { error: new HydratingCircuitError() } : undefined);
    }
  }

  #announce(record: CircuitRecord, reason: FailureReason<unknown> | undefined): void {
    const emitters = this.#emitters;
    if (emitters === undefined) return;
    switch (record.kind) {
      case 'open':
        if (emitters.heard('break')) emitters.emit('break', reason ?? { error: new HydratingCircuitError() });
        break;
      case 'isolated':
        emitters.emit('break', { isolated: true });
        break;
      case 'half-open':
        emitters.emit('halfOpen', undefined);
        break;
      case 'closed':
        emitters.emit('reset', undefined);
        break;
    }
    // A listener may have moved the circuit again; then this change is no longer news.
    if (this.#seenEpoch === record.epoch) emitters.emit('stateChange', toCircuitState(record.kind));
  }

  #resetRules(): void {
    const now = this.#needsTime ? this.clock.now() : 0;
    for (const rule of this.#rules) rule.reset(now);
  }

  /**
   * Applies a manual transition, re-reading the store if another writer got
   * there first. `plan` returns the record to move to, or undefined for "no
   * change needed".
   */
  #manual(plan: (current: CircuitRecord) => CircuitRecord | undefined): CircuitRecord {
    for (let tries = 0; tries < 8; tries++) {
      const current = this.#store.current();
      if (current.epoch !== this.#seenEpoch) this.#notice(current);
      const next = plan(current);
      if (next === undefined) return current;
      if (this.#transition(next)) {
        this.#announce(next, undefined);
        return next;
      }
    }
    throw new BreakerStoreConflictError();
  }

  // --- manual control --------------------------------------------------------

  isolate(): { dispose(): void } {
    const record = this.#manual((current) =>
      current.kind === 'isolated' ? undefined : { kind: 'isolated', epoch: current.epoch + 1, since: this.clock.now() },
    );
    this.#isolationHolds++;
    const epoch = record.epoch;
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        const current = this.#store.current();
        if (current.epoch !== epoch || current.kind !== 'isolated') return;
        if (--this.#isolationHolds > 0) return;
        this.#manual((now) => (now.epoch === epoch ? this.#closedAfter(now) : undefined));
      },
    };
  }

  reset(): void {
    this.#manual((current) => (current.kind === 'closed' ? undefined : this.#closedAfter(current)));
    this.#resetRules();
    this.#backoff = undefined;
  }

  get mode(): BreakerMode {
    return modeNames[this.#mode] as BreakerMode;
  }

  setMode(mode: BreakerMode): void {
    this.#mode = modeCodes[mode];
    if (this.#mode !== NORMAL) {
      this.#manual((current) =>
        current.kind === 'open' || current.kind === 'half-open' ? this.#closedAfter(current) : undefined,
      );
    }
    this.#resetRules();
  }

  #closedAfter(record: CircuitRecord): ClosedRecord {
    return { kind: 'closed', epoch: record.epoch + 1, since: this.clock.now() };
  }

  // --- reads -------------------------------------------------------------------

  get record(): CircuitRecord {
    return this.#store.current();
  }

  get state(): CircuitState {
    return toCircuitState(this.#store.current().kind);
  }

  /**
   * Milliseconds until the breaker may admit a call again: the rest of the
   * open period; 0 when closed, half-open, or open and due to probe; Infinity
   * when isolated.
   */
  get retryAfter(): number {
    const record = this.#store.current();
    if (record.kind === 'open') return Math.max(0, record.until - this.clock.now());
    return record.kind === 'isolated' ? Number.POSITIVE_INFINITY : 0;
  }

  get lastFailure(): FailureReason<unknown> | undefined {
    return this.#lastFailure;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Nothing in flight, not isolated, and not inside an open period: forgetting this breaker loses nothing a new one would not relearn. */
  get atRest(): boolean {
    if (this.#inFlight > 0) return false;
    const record = this.#store.current();
    if (record.kind === 'open') return record.until <= this.clock.now();
    return record.kind !== 'isolated';
  }

  /** The registry's note of `activity` when it last looked. */
  registryMark = 0;

  /** Calls admitted or turned away so far; the registry watches it to tell idle breakers. */
  get activity(): number {
    // Every admission is settled, released or in flight, so this counts admissions without a counter on the hot path.
    return this.#calls + this.#released + this.#inFlight + this.#rejections;
  }

  stats(): BreakerStats {
    const record = this.#store.current();
    const now = this.clock.now();
    const calls = this.#calls;
    return {
      state: toCircuitState(record.kind),
      mode: this.mode,
      since: record.since,
      timeInState: Math.max(0, now - record.since),
      calls,
      successes: this.#successes,
      failures: this.#failures,
      slowCalls: this.#slowCalls,
      failureRate: calls === 0 ? 0 : this.#failures / calls,
      slowCallRate: calls === 0 ? 0 : this.#slowCalls / calls,
      rejections: this.#rejections,
      inFlight: this.#inFlight,
      opens: this.#opens,
      trips: this.#trips,
      rules: this.#rules.map((rule) => rule.metrics(now)),
    };
  }

  toJSON(): BreakerSnapshot {
    return snapshotOf(this.#store.current(), this.#rules);
  }

  // --- events --------------------------------------------------------------------

  get onBreak(): Event<BreakReason> {
    return this.#events().on('break');
  }

  get onReset(): Event<void> {
    return this.#events().on('reset');
  }

  get onHalfOpen(): Event<void> {
    return this.#events().on('halfOpen');
  }

  get onStateChange(): Event<CircuitState> {
    return this.#events().on('stateChange');
  }

  get onSuccess(): Event<ISuccessEvent> {
    return this.#events().on('success');
  }

  get onFailure(): Event<IFailureEvent> {
    return this.#events().on('failure');
  }

  get onReject(): Event<BreakerRejectEvent> {
    return this.#events().on('reject');
  }

  #events(): LazyEmitters<BreakerEvents> {
    this.#emitters ??= new LazyEmitters<BreakerEvents>();
    return this.#emitters;
  }
}

/** A breaker's events by name, with their payloads. */
interface BreakerEvents {
  break: BreakReason;
  // biome-ignore lint/suspicious/noConfusingVoidType: cockatiel's onReset is an Event<void>
  reset: void;
  // biome-ignore lint/suspicious/noConfusingVoidType: cockatiel's onHalfOpen is an Event<void>
  halfOpen: void;
  stateChange: CircuitState;
  success: ISuccessEvent;
  failure: IFailureEvent;
  reject: BreakerRejectEvent;
}

function classify(handle: Policy, kind: OutcomeKind, outcome: unknown): boolean {
  if (kind === OUTCOME_VALUE) return handle.options.resultFilter(outcome);
  if (kind === OUTCOME_ERROR) return handle.options.errorFilter(outcome);
  return kind === OUTCOME_FAILURE;
}

function failureReasonOf(kind: OutcomeKind, outcome: unknown): FailureReason<unknown> {
  return kind === OUTCOME_VALUE || kind === OUTCOME_SUCCESS ? { value: outcome } : { error: outcome };
}
