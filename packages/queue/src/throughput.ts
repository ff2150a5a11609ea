/**
 * Tasks finished per second over a sliding window, measured lazily: the
 * queue only counts finished tasks, and each reading records a sample. The
 * rate spans from the newest sample at least `window` ms old (or the oldest
 * sample, early on) to now. Reading at a steady cadence (an animation frame,
 * a stats scrape) gives the rate over the last `window`; no timer runs and
 * a task costs nothing extra.
 */
export class ThroughputMeter {
  readonly #window: number;
  #times: number[];
  #counts: number[];

  constructor(window: number, now: number) {
    this.#window = window;
    this.#times = [now];
    this.#counts = [0];
  }

  read(now: number, finished: number): number {
    this.#times.push(now);
    this.#counts.push(finished);
    // Keep one sample at or beyond the window's start as the base.
    let drop = 0;
    while (drop + 1 < this.#times.length - 1 && now - (this.#times[drop + 1] as number) >= this.#window) drop++;
    if (drop > 0) {
      this.#times = this.#times.slice(drop);
      this.#counts = this.#counts.slice(drop);
    }
    const elapsed = now - (this.#times[0] as number);
    return elapsed > 0 ? ((finished - (this.#counts[0] as number)) * 1000) / elapsed : 0;
  }
}
