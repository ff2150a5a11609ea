import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('answers quantiles within a bucket (about 6%) of the exact value', () => {
    const histogram = new LatencyHistogram(1_000_000);
    for (let i = 1; i <= 1_000; i++) histogram.record(i);
    for (const [quantile, exact] of [
      [0.5, 500],
      [0.9, 900],
      [0.99, 990],
    ] as const) {
      const estimate = histogram.quantile(quantile);
      expect(estimate).toBeGreaterThanOrEqual(exact);
      expect(estimate).toBeLessThanOrEqual(exact * 1.07);
    }
  });

  it('is NaN when empty, and covers sub-millisecond and huge latencies', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.quantile(0.5)).toBeNaN();
    histogram.record(0);
    histogram.record(0.01);
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(1 / 16);
    histogram.record(1e15);
    expect(Number.isFinite(new LatencyHistogram().quantile(0.1))).toBe(false);
  });

  it('forgets old samples: counts halve every halfLife samples', () => {
    const histogram = new LatencyHistogram(100);
    for (let i = 0; i < 1_000; i++) histogram.record(100);
    for (let i = 0; i < 400; i++) histogram.record(10);
    expect(histogram.quantile(0.9)).toBeLessThan(11);
  });
});
