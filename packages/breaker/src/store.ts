import type { CircuitRecord } from './circuit-record.js';

/** The half-open probes of one epoch, as a store counts them. */
export interface ProbeTally {
  /** Probes admitted and not yet settled or released. */
  readonly inFlight: number;
  readonly successes: number;
  readonly failures: number;
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
}

/** The default store: one breaker, one process, in memory. */
export class MemoryBreakerStore implements BreakerStore {
  #record: CircuitRecord;
  // Mutable, and handed out as the readonly ProbeTally: recordProbe runs on
  // every probe and should not allocate.
  readonly #tally = { inFlight: 0, successes: 0, failures: 0 };

  constructor(initial: CircuitRecord) {
    this.#record = initial;
  }

  current(): CircuitRecord {
    return this.#record;
  }

  transition(next: CircuitRecord): boolean {
    if (next.epoch !== this.#record.epoch + 1) return false;
    this.#record = next;
    this.#tally.inFlight = 0;
    this.#tally.successes = 0;
    this.#tally.failures = 0;
    return true;
  }

  acquireProbe(epoch: number, limit: number): boolean {
    const tally = this.#tally;
    if (!this.#isHalfOpenAt(epoch) || tally.inFlight + tally.successes + tally.failures >= limit) return false;
    tally.inFlight++;
    return true;
  }

  releaseProbe(epoch: number): void {
    if (this.#isHalfOpenAt(epoch) && this.#tally.inFlight > 0) this.#tally.inFlight--;
  }

  recordProbe(epoch: number, succeeded: boolean): ProbeTally | undefined {
    const tally = this.#tally;
    if (!this.#isHalfOpenAt(epoch) || tally.inFlight === 0) return undefined;
    tally.inFlight--;
    if (succeeded) tally.successes++;
    else tally.failures++;
    return tally;
  }

  #isHalfOpenAt(epoch: number): boolean {
    return this.#record.epoch === epoch && this.#record.kind === 'half-open';
  }
}
