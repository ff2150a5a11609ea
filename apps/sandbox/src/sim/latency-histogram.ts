/** Each bin is this much wider than the one before: percentiles come out within 1% of the exact value (of 1 + the value, near 0). */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

/**
 * Latencies counted into logarithmic bins, for percentiles over a whole run
 * without keeping every request: memory grows with the spread of latencies
 * (a few hundred bins from 1 ms to a minute), not with the number of requests.
 */
export class LatencyHistogram {
  readonly #bins = new Map<number, number>();
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(latency: number): void {
    const bin = Math.floor(Math.log1p(Math.max(0, latency)) / LOG_GROWTH);
    this.#bins.set(bin, (this.#bins.get(bin) ?? 0) + 1);
    this.#count++;
  }

  /** Nearest-rank percentile, as the middle of its bin; 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil((p / 100) * this.#count)));
    let seen = 0;
    for (const bin of [...this.#bins.keys()].sort((a, b) => a - b)) {
      seen += this.#bins.get(bin) as number;
      if (seen >= rank) return Math.expm1((bin + 0.5) * LOG_GROWTH);
    }
    return 0;
  }
}
