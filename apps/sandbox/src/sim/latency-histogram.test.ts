import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.ts';
import { percentile } from './metrics.ts';

describe('LatencyHistogram', () => {
  it('is 0 when empty', () => {
    expect(new LatencyHistogram().percentile(99)).toBe(0);
  });

  it('gives every percentile within 1% of the exact nearest-rank value (plus 0.01 ms near 0)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 100 }),
        (latencies, p) => {
          const histogram = new LatencyHistogram();
          for (const latency of latencies) histogram.add(latency);
          const exact = percentile(
            [...latencies].sort((a, b) => a - b),
            p,
          );
          expect(histogram.count).toBe(latencies.length);
          expect(Math.abs(histogram.percentile(p) - exact)).toBeLessThanOrEqual(0.01 * (1 + exact) + 1e-9);
        },
      ),
    );
  });
});
