import type { Clock, IDisposable } from '@palisade/core';
import type { LazyEmitters } from '@palisade/core/internal';
import type { FailureReason, IBackoffFactory, IHalfOpenAfterBackoffContext } from 'cockatiel';
import { announceTransition, type BreakerEvents } from './breaker-events.js';
import type { ResolvedOptions } from './breaker-options.js';
import {
  type CircuitKind,
  type CircuitRecord,
  type ClosedRecord,
  type HalfOpenRecord,
  type OpenRecord,
  toCircuitState,
} from './circuit-record.js';
import { BreakerStoreConflictError } from './errors.js';
import { type BackoffPosition, backoffAt, openDurationOf } from './open-period.js';
import type { RegistryTally } from './registry-tally.js';
import type { BreakerStore } from './store.js';
import type { TripRule } from './trip-rule.js';

/**
 * A breaker's view of its circuit: the record in the store, the transitions
 * this breaker makes (each a compare-and-set on the epoch, which may lose to
 * another writer), the ones it notices another writer made, and the events
 * that announce both. It also owns what a transition resets: the rules'
 * windows when the circuit closes, the open periods' backoff, and isolation.
 *
 * What to admit and what to count is `BreakerCore`'s, which extends this
 * class rather than holding one: a registry keeps millions of breakers, and a
 * second object per breaker would add to every key's memory (bench/RESULTS.md,
 * breaker, "Keyed registry memory").
 */
export class Circuit {
  readonly clock: Clock;
  protected readonly store: BreakerStore;
  protected readonly rules: readonly TripRule[];
  /** Whether a rule needs the current time to record a call or to reset. */
  protected readonly needsTime: boolean;
  /** A fixed number of milliseconds, or a backoff asked at each opening. */
  readonly #halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  /** The last record this breaker announced; a different epoch in the store means someone else moved it. */
  #seenEpoch: number;
  #seenKind: CircuitKind;
  /** Where the open periods' backoff has got to; undefined while closed. */
  #backoff: BackoffPosition | undefined;
  #isolationHolds = 0;
  #opens = 0;
  /** Created on first subscription: most breakers in a large registry are never listened to. */
  protected emitters: LazyEmitters<BreakerEvents> | undefined;
  /** The running totals of the registry that holds this breaker, if one does. */
  protected tally: RegistryTally | undefined;

  constructor({ clock, store, rules, halfOpenAfter }: ResolvedOptions) {
    this.clock = clock;
    this.store = store;
    this.rules = rules;
    this.needsTime = rules.some((rule) => rule.needsTime);
    this.#halfOpenAfter = halfOpenAfter;
    const record = store.current();
    this.#seenEpoch = record.epoch;
    this.#seenKind = record.kind;
  }

  /** The store's record. A change another writer made is adopted, and announced, first. */
  protected current(): CircuitRecord {
    const record = this.store.current();
    if (record.epoch !== this.#seenEpoch) this.#notice(record);
    return record;
  }

  /** How many times this breaker opened the circuit (isolation excluded). */
  protected get opens(): number {
    return this.#opens;
  }

  /** The state this breaker last saw its circuit in, and announced. */
  protected get seenKind(): CircuitKind {
    return this.#seenKind;
  }

  /** The open period is over and a call arrived: half-open, unless another writer moved the circuit first. */
  protected halfOpen(from: OpenRecord, now: number): HalfOpenRecord | undefined {
    const next: HalfOpenRecord = { kind: 'half-open', epoch: from.epoch + 1, since: now, attempt: from.attempt };
    if (!this.#transition(next)) return undefined;
    this.#announce(next, undefined);
    return next;
  }

  /** Opens for the next open period; undefined if another writer moved the circuit first. */
  protected open(
    from: ClosedRecord | HalfOpenRecord,
    reason: FailureReason<unknown>,
    now: number,
  ): OpenRecord | undefined {
    const attempt = from.kind === 'half-open' ? from.attempt + 1 : 1;
    const duration = this.#openDuration(attempt, reason);
    const next: OpenRecord = { kind: 'open', epoch: from.epoch + 1, since: now, until: now + duration, attempt };
    if (!this.#transition(next)) return undefined;
    this.#opens++;
    if (this.tally !== undefined) this.tally.opens++;
    this.#announce(next, reason);
    return next;
  }

  protected close(from: CircuitRecord): void {
    const next = this.#closedAfter(from);
    if (this.#transition(next)) this.#announce(next, undefined);
  }

  /** The open period for the `attempt`-th opening in a row. */
  #openDuration(attempt: number, reason: FailureReason<unknown>): number {
    const halfOpenAfter = this.#halfOpenAfter;
    if (typeof halfOpenAfter === 'number') return halfOpenAfter;
    this.#backoff = backoffAt(halfOpenAfter, this.#backoff, attempt, reason);
    return openDurationOf(this.#backoff);
  }

  #closedAfter(record: CircuitRecord): ClosedRecord {
    return { kind: 'closed', epoch: record.epoch + 1, since: this.clock.now() };
  }

  /** Applies a transition to the store; on success, the breaker's own view follows. */
  #transition(next: CircuitRecord): boolean {
    if (!this.store.transition(next)) return false;
    this.#adopt(next);
    return true;
  }

  #adopt(record: CircuitRecord): void {
    const tally = this.tally;
    if (tally !== undefined && record.kind !== this.#seenKind) {
      tally.leave(this.#seenKind);
      tally.enter(record.kind);
    }
    this.#seenEpoch = record.epoch;
    this.#seenKind = record.kind;
    if (record.kind === 'closed') {
      this.resetRules();
      this.#backoff = undefined;
    }
    if (record.kind !== 'isolated') this.#isolationHolds = 0;
  }

  /** The store's record moved without this breaker (another process, another breaker on the same store). */
  #notice(record: CircuitRecord): void {
    const previous = this.#seenKind;
    this.#adopt(record);
    if (record.kind !== previous) this.#announce(record, undefined);
  }

  #announce(record: CircuitRecord, reason: FailureReason<unknown> | undefined): void {
    const emitters = this.emitters;
    const registry = this.tally?.emitters;
    if (emitters === undefined && registry === undefined) return;
    if (emitters !== undefined) announceTransition(emitters, record, reason);
    // A listener may have moved the circuit again; then this change is no longer news.
    if (this.#seenEpoch !== record.epoch) return;
    const state = toCircuitState(record.kind);
    emitters?.emit('stateChange', state);
    if (registry !== undefined && this.#seenEpoch === record.epoch) registry.emit('stateChange', state);
  }

  /** Empties every rule's window. */
  protected resetRules(): void {
    const now = this.needsTime ? this.clock.now() : 0;
    for (const rule of this.rules) rule.reset(now);
  }

  // --- manual control --------------------------------------------------------

  /**
   * Applies a manual transition, re-reading the store if another writer got
   * there first. `plan` returns the record to move to, or undefined for "no
   * change needed".
   */
  #manual(plan: (current: CircuitRecord) => CircuitRecord | undefined): CircuitRecord {
    for (let tries = 0; tries < 8; tries++) {
      const current = this.current();
      const next = plan(current);
      if (next === undefined) return current;
      if (this.#transition(next)) {
        this.#announce(next, undefined);
        return next;
      }
    }
    throw new BreakerStoreConflictError();
  }

  /** Holds the circuit open until every handle is disposed. */
  isolate(): IDisposable {
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
        const current = this.store.current();
        if (current.epoch !== epoch || current.kind !== 'isolated') return;
        if (--this.#isolationHolds > 0) return;
        this.#manual((now) => (now.epoch === epoch ? this.#closedAfter(now) : undefined));
      },
    };
  }

  /** Closes from any state, ending isolation, and forgets the windows and the backoff. */
  reset(): void {
    this.#manual((current) => (current.kind === 'closed' ? undefined : this.#closedAfter(current)));
    this.resetRules();
    this.#backoff = undefined;
  }

  /** Closes an open or half-open circuit, leaving isolation alone: what leaving `normal` mode does. */
  protected closeIfOpen(): void {
    this.#manual((current) =>
      current.kind === 'open' || current.kind === 'half-open' ? this.#closedAfter(current) : undefined,
    );
  }
}
