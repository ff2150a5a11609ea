/**
 * At most `cap` starts per window of `interval` ms, on whatever clock the
 * caller reads: p-queue's fixed windows (`intervalCap`/`interval`), moved onto
 * the injected clock. A window opens with the first start after the previous
 * one closed, so an idle shard's next task starts at once.
 */
export class FixedWindowRateLimit {
  readonly #cap: number;
  readonly #interval: number;
  #windowEnd = Number.NEGATIVE_INFINITY;
  #started = 0;

  constructor(cap: number, interval: number) {
    this.#cap = cap;
    this.#interval = interval;
  }

  /** Counts one start at `now` if the window has room; false if it is full. */
  tryStart(now: number): boolean {
    if (now >= this.#windowEnd) {
      this.#windowEnd = now + this.#interval;
      this.#started = 0;
    }
    if (this.#started >= this.#cap) return false;
    this.#started++;
    return true;
  }

  /** When the current window closes, and starts are allowed again. */
  get windowEnd(): number {
    return this.#windowEnd;
  }
}
