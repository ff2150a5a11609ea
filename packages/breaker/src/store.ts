import type { CircuitRecord } from './circuit-record.js';

/** The half-open probes of one epoch, as a store counts them. */
export interface ProbeTally {
  /** Probes admitted and not yet settled or released. */
  readonly inFlight: number;
  readonly successes: number;
  readonly failures: number;
}

/** What a breaker tells its store when it is built: how its half-open state decides. */
export interface BreakerStoreAttachment {
  /** `halfOpen.probes`: how many probe slots a half-open epoch has. */
  readonly probes: number;
  /** `halfOpen.successThreshold`: the fraction of the probes that must succeed for the circuit to close. */
  readonly successThreshold: number;
}

/**
 * Where a breaker keeps its circuit state and its half-open probe slots. The
 * default keeps them in memory. A shared store (one circuit for many
 * processes, with a single half-open prober) implements the same five methods.
 *
 * Every method is synchronous because `current()` runs on every call. A store
 * backed by a remote database keeps a local mirror: it answers from the mirror,
 * applies writes remotely (compare-and-set on `epoch`), and updates the mirror
 * when it hears of changes. Until a remote claim is confirmed it answers
 * "no" (`transition` false, `acquireProbe` false), which only ever rejects a
 * call that would have probed, never admits one too many.
 *
 * The sliding windows of the trip rules are not in the store: each process
 * counts its own calls, and whichever process trips first opens the circuit
 * for all of them.
 */
export interface BreakerStore {
  /** The record in force. A local read: it runs on every call. */
  current(): CircuitRecord;
  /**
   * Replaces the record with `next` if the record in force is still at epoch
   * `next.epoch - 1`; returns whether it did. A false return means another
   * writer got there first: re-read `current()`.
   */
  transition(next: CircuitRecord): boolean;
  /** Takes one of `limit` probe slots of the half-open record at `epoch`. False if that record is gone or every slot is taken. */
  acquireProbe(epoch: number, limit: number): boolean;
  /** Gives back, unused, a slot taken at `epoch`. Does nothing if the epoch has passed. */
  releaseProbe(epoch: number): void;
  /** Records a probe's outcome; returns the tally of `epoch`, or undefined if that epoch has passed. */
  recordProbe(epoch: number, succeeded: boolean): ProbeTally | undefined;
  /**
   * Optional. Each breaker built on the store calls it once, before its first
   * call. A shared store needs it to decide a half-open circuit from the
   * probes of every process, which no single breaker sees; it may throw
   * `InvalidOptionError` if the breaker does not fit the store.
   */
  attach?(breaker: BreakerStoreAttachment): void;
}

/** The default store: one breaker, one process, in memory. It is its own probe tally, to save an object per breaker. */
export class MemoryBreakerStore implements BreakerStore, ProbeTally {
  #record: CircuitRecord;
  #inFlight = 0;
  #successes = 0;
  #failures = 0;

  constructor(initial: CircuitRecord) {
    this.#record = initial;
  }

  current(): CircuitRecord {
    return this.#record;
  }

  transition(next: CircuitRecord): boolean {
    if (next.epoch !== this.#record.epoch + 1) return false;
    this.#record = next;
    this.#inFlight = 0;
    this.#successes = 0;
    this.#failures = 0;
    return true;
  }

  acquireProbe(epoch: number, limit: number): boolean {
    if (!this.#isHalfOpenAt(epoch) || this.#inFlight + this.#successes + this.#failures >= limit) return false;
    this.#inFlight++;
    return true;
  }

  releaseProbe(epoch: number): void {
    if (this.#isHalfOpenAt(epoch) && this.#inFlight > 0) this.#inFlight--;
  }

  recordProbe(epoch: number, succeeded: boolean): ProbeTally | undefined {
    if (!this.#isHalfOpenAt(epoch) || this.#inFlight === 0) return undefined;
    this.#inFlight--;
    if (succeeded) this.#successes++;
    else this.#failures++;
    return this;
  }

  /** Probes of the current half-open epoch admitted and not yet settled or released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get successes(): number {
    return this.#successes;
  }

  get failures(): number {
    return this.#failures;
  }

  #isHalfOpenAt(epoch: number): boolean {
    return this.#record.epoch === epoch && this.#record.kind === 'half-open';
  }
}
