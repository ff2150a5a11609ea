import type { ProbeTally } from './store.js';

/** The probe counts of one half-open record, kept in this process alone, as a memory store keeps them. */
export class ProbeCounter {
  #inFlight = 0;
  #successes = 0;
  #failures = 0;

  /** Admits one more probe unless `limit` probes have started in this record. */
  acquire(limit: number): boolean {
    if (this.#inFlight + this.#successes + this.#failures >= limit) return false;
    this.#inFlight++;
    return true;
  }

  /** A probe ended without an outcome. */
  release(): void {
    if (this.#inFlight > 0) this.#inFlight--;
  }

  /** A probe ended with an outcome; undefined if none was running. */
  record(succeeded: boolean): ProbeTally | undefined {
    if (this.#inFlight === 0) return undefined;
    this.#inFlight--;
    if (succeeded) this.#successes++;
    else this.#failures++;
    return { inFlight: this.#inFlight, successes: this.#successes, failures: this.#failures };
  }

  /** Starts a new record's counts, with `inFlight` probes already running in it. */
  reset(inFlight = 0): void {
    this.#inFlight = inFlight;
    this.#successes = 0;
    this.#failures = 0;
  }

  /** Forgets the probes running (they belong to a record that is gone), keeping the outcomes. */
  dropInFlight(): void {
    this.#inFlight = 0;
  }
}
