const SUB_BUCKETS = 16;
/** Latencies from 2^-4 ms up to 2^40 ms get their own bucket; the rest clamp to the ends. */
const MIN_EXPONENT = -4;
const MAX_EXPONENT = 40;
const BUCKETS = (MAX_EXPONENT - MIN_EXPONENT + 1) * SUB_BUCKETS + 1;

/**
 * Recent latencies for hedging's percentile delay: a log-linear histogram
 * (HdrHistogram's layout, 16 buckets per power of two, so about 6% wide)
 * whose counts halve every `halfLife` samples, so it follows a service
 * whose latency drifts. Recording is O(1); a percentile is cached and
 * recomputed every 32 samples.
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  readonly #halfLife: number;
  #total = 0;
  #samples = 0;
  #sinceDecay = 0;
  #cachedAt = -1;
  #cachedQuantile = Number.NaN;
  #cachedValue = Number.NaN;

  constructor(halfLife = 1_000) {
    this.#halfLife = halfLife;
  }

  /** Samples recorded since creation. */
  get samples(): number {
    return this.#samples;
  }

  record(latency: number): void {
    const bucket = bucketOf(latency);
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#total += 1;
    this.#samples++;
    if (++this.#sinceDecay >= this.#halfLife) {
      this.#sinceDecay = 0;
      this.#total = 0;
      for (let i = 0; i < BUCKETS; i++) {
        const halved = (this.#counts[i] as number) / 2;
        this.#counts[i] = halved;
        this.#total += halved;
      }
    }
  }

  /** The latency below which `quantile` of the recent samples fall (the bucket's upper edge); NaN with no samples. */
  quantile(quantile: number): number {
    // Early on every sample moves the answer; later, one in 32 does not move it much.
    const fresh = this.#samples >= 128 && this.#samples - this.#cachedAt < 32;
    if (fresh && quantile === this.#cachedQuantile) return this.#cachedValue;
    this.#cachedAt = this.#samples;
    this.#cachedQuantile = quantile;
    this.#cachedValue = this.#compute(quantile);
    return this.#cachedValue;
  }

  #compute(quantile: number): number {
    if (this.#total === 0) return Number.NaN;
    const target = quantile * this.#total;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= target && seen > 0) return upperEdge(i);
    }
    return upperEdge(BUCKETS - 1);
  }
}

function bucketOf(latency: number): number {
  if (!(latency > 2 ** MIN_EXPONENT)) return 0;
  const exponent = Math.floor(Math.log2(latency));
  if (exponent > MAX_EXPONENT) return BUCKETS - 1;
  const mantissa = latency / 2 ** exponent - 1;
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor(mantissa * SUB_BUCKETS));
  return 1 + (exponent - MIN_EXPONENT) * SUB_BUCKETS + sub;
}

function upperEdge(bucket: number): number {
  if (bucket === 0) return 2 ** MIN_EXPONENT;
  const exponent = Math.floor((bucket - 1) / SUB_BUCKETS) + MIN_EXPONENT;
  const sub = (bucket - 1) % SUB_BUCKETS;
  return 2 ** exponent * (1 + (sub + 1) / SUB_BUCKETS);
}
