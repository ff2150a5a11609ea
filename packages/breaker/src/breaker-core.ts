import type { Event } from '@palisade/core';
import { LazyEmitters } from '@palisade/core/internal';
import type { CircuitState, FailureReason, Policy } from 'cockatiel';
import type { BreakerEvents } from './breaker-events.js';
import { type BreakerMode, DISABLED, METRICS_ONLY, type ModeCode, modeCode, modeName, NORMAL } from './breaker-mode.js';
import type { ResolvedOptions } from './breaker-options.js';
import type { BreakerStats } from './breaker-stats.js';
import { Circuit } from './circuit.js';
import { type CircuitRecord, type ClosedRecord, type HalfOpenRecord, toCircuitState } from './circuit-record.js';
import { ProbeTimeoutError } from './errors.js';
import {
  classify,
  failureReasonOf,
  OUTCOME_ERROR,
  OUTCOME_FAILURE,
  OUTCOME_SUCCESS,
  OUTCOME_VALUE,
  type OutcomeKind,
} from './outcome.js';
import type { RegistryTally } from './registry-tally.js';
import { type SharedRejection, sharedRejection } from './shared-rejection.js';
import { type BreakerSnapshot, snapshotOf } from './snapshot.js';
import type { ProbeTally } from './store.js';
import {
  admittedTicket,
  epochOfTicket,
  isProbeTicket,
  probeTicket,
  REJECTED_HALF_OPEN,
  REJECTED_ISOLATED,
  REJECTED_OPEN,
  rejectionReasonOf,
} from './ticket.js';
import type { TripRule } from './trip-rule.js';

/**
 * The one state machine behind `execute`, the permit API and the registry:
 * it admits calls or turns them away, counts how they settled, feeds them to
 * the trip rules while closed and tallies probes while half-open, and moves
 * its circuit (`Circuit`, which it extends) when they say so. Admission hands
 * out tickets (`ticket.ts`), so the facades above it allocate nothing per call.
 */
export class BreakerCore extends Circuit {
  /** Per rule: its own handle, or undefined when it shares the breaker's. Null when no rule has its own: the common case, classified once. */
  readonly #ruleHandles: readonly (Policy | undefined)[] | null;
  readonly #errorFilter: (error: unknown) => boolean;
  readonly #resultFilter: (result: unknown) => boolean;
  /** The smallest slowCallDuration of the rules: what `stats().slowCalls` and the probes count as slow. */
  readonly #slowCallDuration: number;
  readonly #needsDuration: boolean;
  readonly #probes: number;
  readonly #successThreshold: number;
  readonly #maxHalfOpenDuration: number;
  #mode: ModeCode;

  #inFlight = 0;
  #calls = 0;
  #successes = 0;
  #failures = 0;
  #slowCalls = 0;
  #rejections = 0;
  #released = 0;
  #trips = 0;
  #lastFailure: FailureReason<unknown> | undefined;
  /**
   * Whether anyone ever subscribed to `onSuccess` or `onFailure`: until then a
   * call need not ask the emitters whether to time itself, which matters for
   * breakers listened to only for their transitions or rejections (an
   * OpenTelemetry instrumentation, say).
   */
  #outcomeSubscribed = false;
  /** What the latest rejection computed, so that tryAcquire reads the clock once. */
  #lastRetryAfter = 0;

  // One rejection per state: every call turned away in the same open period gets the same settled promise.
  #rejection: SharedRejection | undefined;

  constructor(options: ResolvedOptions) {
    super(options);
    const handle = options.handle;
    const ruleHandles = options.rules.map((rule) =>
      rule.handle === undefined || rule.handle === handle ? undefined : rule.handle,
    );
    this.#ruleHandles = ruleHandles.some((ruleHandle) => ruleHandle !== undefined) ? ruleHandles : null;
    this.#errorFilter = handle.options.errorFilter;
    this.#resultFilter = handle.options.resultFilter;
    this.#slowCallDuration = Math.min(...options.rules.map((rule) => rule.slowCallDuration));
    this.#needsDuration = this.#slowCallDuration !== Number.POSITIVE_INFINITY;
    this.#probes = options.probes;
    this.#successThreshold = options.successThreshold;
    this.#maxHalfOpenDuration = options.maxHalfOpenDuration;
    this.#mode = modeCode(options.mode);
    this.store.attach?.({ probes: options.probes, successThreshold: options.successThreshold });
    const record = this.store.current();
    if (this.#mode !== NORMAL && (record.kind === 'open' || record.kind === 'half-open')) this.close(record);
  }

  // --- admission ---------------------------------------------------------

  /** Admits a call or turns it away; returns a ticket (≥ 0) or a rejection (< 0). Never throws. */
  admit(): number {
    const record = this.current();
    if (record.kind === 'closed' || (this.#mode !== NORMAL && record.kind !== 'isolated')) {
      this.#inFlight++;
      if (this.tally !== undefined) this.tally.inFlight++;
      return admittedTicket(record.epoch);
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
        const halfOpen = this.halfOpen(record, now);
        if (halfOpen !== undefined) return this.#admitProbe(halfOpen);
        // Another writer moved the circuit first: look once more, then give up rather than spin.
        const current = this.current();
        if (!mayRetry || current.epoch === record.epoch) return this.#reject(REJECTED_OPEN, 0);
        if (current.kind === 'closed' || (this.#mode !== NORMAL && current.kind !== 'isolated')) {
          this.#inFlight++;
          if (this.tally !== undefined) this.tally.inFlight++;
          return admittedTicket(current.epoch);
        }
        return this.#admitAbnormal(current, false);
      }
      default:
        this.#inFlight++;
        if (this.tally !== undefined) this.tally.inFlight++;
        return admittedTicket(record.epoch);
    }
  }

  #admitProbe(record: HalfOpenRecord): number {
    if (this.store.acquireProbe(record.epoch, this.#probes)) {
      this.#inFlight++;
      if (this.tally !== undefined) this.tally.inFlight++;
      return probeTicket(record.epoch);
    }
    if (this.#maxHalfOpenDuration !== Number.POSITIVE_INFINITY) {
      const now = this.clock.now();
      if (now - record.since >= this.#maxHalfOpenDuration) {
        const opened = this.open(record, { error: new ProbeTimeoutError(this.#maxHalfOpenDuration) }, now);
        if (opened !== undefined) return this.#reject(REJECTED_OPEN, opened.until - now);
      }
    }
    return this.#reject(REJECTED_HALF_OPEN, 0);
  }

  #reject(ticket: number, retryAfter: number): number {
    this.#rejections++;
    this.#lastRetryAfter = Math.max(0, retryAfter);
    const emitters = this.emitters;
    if (emitters?.heard('reject')) {
      emitters.emit('reject', { reason: rejectionReasonOf(ticket), retryAfter: this.#lastRetryAfter });
    }
    const tally = this.tally;
    if (tally !== undefined) {
      tally.rejections++;
      if (tally.emitters?.heard('reject')) {
        tally.emitters.emit('reject', { reason: rejectionReasonOf(ticket), retryAfter: this.#lastRetryAfter });
      }
    }
    return ticket;
  }

  /** The promise `execute` returns for a rejection ticket: one per state and reason, already observed. */
  rejection(ticket: number): Promise<never> {
    const epoch = this.store.current().epoch;
    let shared = this.#rejection;
    if (shared === undefined || shared.epoch !== epoch || shared.ticket !== ticket) {
      shared = sharedRejection(epoch, ticket, () => this.retryAfter);
      this.#rejection = shared;
    }
    return shared.promise;
  }

  /** What the latest rejection said about when to retry: the permit API's `retryAfter`, without reading the clock again. */
  get lastRetryAfter(): number {
    return this.#lastRetryAfter;
  }

  // --- outcomes ------------------------------------------------------------

  /** Whether `execute` must read the clock when a call starts: for slow calls, or for listeners that want durations. */
  needsStart(): boolean {
    if (this.#needsDuration) return true;
    if (!this.#outcomeSubscribed) return false;
    const emitters = this.emitters as LazyEmitters<BreakerEvents>;
    return emitters.heard('success') || emitters.heard('failure');
  }

  /**
   * A call run by `execute` settled. `start` is the clock time it started, or
   * NaN when nothing needed its duration.
   */
  complete(ticket: number, kind: typeof OUTCOME_VALUE | typeof OUTCOME_ERROR, outcome: unknown, start: number): void {
    const timed = !Number.isNaN(start);
    const now = timed || this.needsTime ? this.clock.now() : 0;
    this.#settle(ticket, kind, outcome, timed ? now - start : 0, now, timed);
  }

  /** A permit reported its outcome, already classified by the caller. */
  completePermit(ticket: number, succeeded: boolean, reason: unknown, duration: number): void {
    const now = this.needsTime ? this.clock.now() : 0;
    this.#settle(ticket, succeeded ? OUTCOME_SUCCESS : OUTCOME_FAILURE, reason, duration, now, true);
  }

  /**
   * A call ended without an outcome the rules should count (its caller gave
   * up, or the permit was not used). A probe slot goes back for another call.
   */
  release(ticket: number, cancellation?: unknown): void {
    this.#inFlight--;
    this.#released++;
    if (this.tally !== undefined) this.tally.inFlight--;
    if (isProbeTicket(ticket)) this.store.releaseProbe(epochOfTicket(ticket));
    const emitters = this.emitters;
    if (cancellation !== undefined && emitters?.heard('failure')) {
      emitters.emit('failure', { duration: 0, handled: false, reason: { error: cancellation } });
    }
  }

  #settle(ticket: number, kind: OutcomeKind, outcome: unknown, duration: number, now: number, timed: boolean): void {
    this.#inFlight--;
    this.#calls++;
    const tally = this.tally;
    if (tally !== undefined) {
      tally.inFlight--;
      tally.calls++;
    }
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
    if (tally !== undefined) {
      if (failed) tally.failures++;
      else tally.successes++;
      if (slow) tally.slowCalls++;
    }
    if (timed) this.#emitOutcome(kind, outcome, failed, duration);
    if (this.#mode !== DISABLED) this.#feed(ticket, kind, outcome, failed, slow, duration, now);
  }

  #emitOutcome(kind: OutcomeKind, outcome: unknown, failed: boolean, duration: number): void {
    const emitters = this.emitters;
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
    const epoch = epochOfTicket(ticket);
    const record = this.store.current();
    // Admitted under an earlier state: what it says is about a circuit that has since moved on.
    if (record.epoch !== epoch) return;
    if (record.kind === 'closed') {
      const rules = this.rules;
      const handles = this.#ruleHandles;
      let trips = false;
      for (let i = 0; i < rules.length; i++) {
        const handle = handles === null ? undefined : handles[i];
        const ruleFailed = handle === undefined ? failed : classify(handle, kind, outcome);
        if ((rules[i] as TripRule).record(ruleFailed, duration, now)) trips = true;
      }
      if (trips) this.#trip(record, kind, outcome);
    } else if (record.kind === 'half-open' && isProbeTicket(ticket)) {
      const tally = this.store.recordProbe(epoch, !failed && !slow);
      if (tally !== undefined) this.#decide(record, tally, kind, outcome);
    }
  }

  #trip(record: ClosedRecord, kind: OutcomeKind, outcome: unknown): void {
    this.#trips++;
    if (this.#mode === METRICS_ONLY) {
      this.resetRules();
      return;
    }
    this.open(record, failureReasonOf(kind, outcome), this.clock.now());
  }

  /** Closes or re-opens as soon as the probes' outcome is certain. */
  #decide(record: HalfOpenRecord, tally: ProbeTally, kind: OutcomeKind, outcome: unknown): void {
    const probes = this.#probes;
    // Division for the same reason as in the rules: it matches the threshold exactly.
    if (tally.successes / probes >= this.#successThreshold) {
      this.close(record);
    } else if ((probes - tally.failures) / probes < this.#successThreshold) {
      this.open(record, failureReasonOf(kind, outcome), this.clock.now());
    }
  }

  // --- modes (isolate and reset are the circuit's) ------------------------------

  get mode(): BreakerMode {
    return modeName(this.#mode);
  }

  setMode(mode: BreakerMode): void {
    this.#mode = modeCode(mode);
    if (this.#mode !== NORMAL) this.closeIfOpen();
    this.resetRules();
  }

  // --- reads -------------------------------------------------------------------

  get record(): CircuitRecord {
    return this.store.current();
  }

  get state(): CircuitState {
    return toCircuitState(this.store.current().kind);
  }

  /**
   * Milliseconds until the breaker may admit a call again: the rest of the
   * open period; 0 when closed, half-open, or open and due to probe; Infinity
   * when isolated.
   */
  get retryAfter(): number {
    const record = this.store.current();
    if (record.kind === 'open') return Math.max(0, record.until - this.clock.now());
    return record.kind === 'isolated' ? Number.POSITIVE_INFINITY : 0;
  }

  get lastFailure(): FailureReason<unknown> | undefined {
    return this.#lastFailure;
  }

  /** Nothing in flight, not isolated, and not inside an open period: forgetting this breaker loses nothing a new one would not relearn. */
  get atRest(): boolean {
    if (this.#inFlight > 0) return false;
    const record = this.store.current();
    if (record.kind === 'open') return record.until <= this.clock.now();
    return record.kind !== 'isolated';
  }

  /** The registry's note of `activity` when it last looked. */
  registryMark = 0;

  /** Joins a registry's running totals, with this breaker's state and what it has in flight. */
  attach(tally: RegistryTally): void {
    this.tally = tally;
    tally.enter(this.seenKind);
    tally.inFlight += this.#inFlight;
  }

  /** Leaves the registry's running totals: what it counted stays there, its state and its calls in flight go. */
  detach(): void {
    const tally = this.tally;
    if (tally === undefined) return;
    tally.leave(this.seenKind);
    tally.inFlight -= this.#inFlight;
    this.tally = undefined;
  }

  /** Calls admitted or turned away so far; the registry watches it to tell idle breakers. */
  get activity(): number {
    // Every admission is settled, released or in flight, so this counts admissions without a counter on the hot path.
    return this.#calls + this.#released + this.#inFlight + this.#rejections;
  }

  stats(): BreakerStats {
    const record = this.store.current();
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
      opens: this.opens,
      trips: this.#trips,
      rules: this.rules.map((rule) => rule.metrics(now)),
    };
  }

  toJSON(): BreakerSnapshot {
    return snapshotOf(this.store.current(), this.rules);
  }

  /** The `onX` function of an event; subscribing creates the breaker's emitters. */
  on<K extends keyof BreakerEvents>(name: K): Event<BreakerEvents[K]> {
    this.emitters ??= new LazyEmitters<BreakerEvents>();
    if (name === 'success' || name === 'failure') this.#outcomeSubscribed = true;
    return this.emitters.on(name);
  }
}
