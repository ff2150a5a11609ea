import type { Random } from '@palisade/core';

/**
 * Draws ranks 0…n−1 with P(rank k) ∝ 1/(k+1)^s: Zipf's law, the shape of
 * real key popularity (a few hot users, a long tail).
 */
export function zipfSampler(n: number, s: number, random: Random): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** s;
    cumulative[k] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}
