/**
 * Counters over a sliding window of time, kept as a ring of slots (Finagle's
 * `WindowedAdder`). Several series share the ring, so the rolling request
 * and failure counts of an endpoint advance together. Adding is O(1); the
 * window slides one slot at a time, so it covers between
 * `window - window / slots` and `window` of history.
 *
 * Time comes in as an argument: the router has just read its clock, and a
 * second read per call would cost more than the counting.
 */
export class WindowedCounter {
  readonly window: number;
  readonly #slotDuration: number;
  readonly #slotCount: number;
  readonly #seriesCount: number;
  /** Slot-major: slot i of series s is at i * seriesCount + s. */
  readonly #counts: Float64Array;
  readonly #sums: Float64Array;
  #slot = 0;
  #slotStart: number;

  constructor(window: number, slots: number, now: number, series = 1) {
    this.window = window;
    this.#slotDuration = window / slots;
    this.#slotCount = slots;
    this.#seriesCount = series;
    this.#counts = new Float64Array(slots * series);
    this.#sums = new Float64Array(series);
    this.#slotStart = now;
  }

  add(now: number, amount: number, series = 0): void {
    if (now - this.#slotStart >= this.#slotDuration) this.#slide(now);
    const index = this.#slot * this.#seriesCount + series;
    this.#counts[index] = (this.#counts[index] as number) + amount;
    this.#sums[series] = (this.#sums[series] as number) + amount;
  }

  /** Adds to the first two series at once: an attempt and whether it failed, in one slide check. */
  add2(now: number, first: number, second: number): void {
    if (now - this.#slotStart >= this.#slotDuration) this.#slide(now);
    const index = this.#slot * this.#seriesCount;
    const counts = this.#counts;
    const sums = this.#sums;
    counts[index] = (counts[index] as number) + first;
    counts[index + 1] = (counts[index + 1] as number) + second;
    sums[0] = (sums[0] as number) + first;
    sums[1] = (sums[1] as number) + second;
  }

  sum(now: number, series = 0): number {
    if (now - this.#slotStart >= this.#slotDuration) this.#slide(now);
    return this.#sums[series] as number;
  }

  #slide(now: number): void {
    const steps = Math.floor((now - this.#slotStart) / this.#slotDuration);
    const seriesCount = this.#seriesCount;
    if (steps >= this.#slotCount) {
      this.#counts.fill(0);
      this.#sums.fill(0);
    } else {
      for (let step = 0; step < steps; step++) {
        this.#slot = (this.#slot + 1) % this.#slotCount;
        const base = this.#slot * seriesCount;
        for (let s = 0; s < seriesCount; s++) {
          this.#sums[s] = (this.#sums[s] as number) - (this.#counts[base + s] as number);
          this.#counts[base + s] = 0;
        }
      }
    }
    this.#slotStart += steps * this.#slotDuration;
  }
}
