import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeakEwma } from './peak-ewma.js';

describe('PeakEwma (Finagle)', () => {
  it('jumps to a peak at once', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(10, 0);
    ewma.observe(500, 1);
    expect(ewma.cost(1)).toBe(500);
  });

  it('decays towards lower observations with the time between them, not their number', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(100, 0);
    ewma.observe(10, 10_000);
    // One time constant: weight e^-1 on the old value.
    expect(ewma.cost(10_000)).toBeCloseTo(100 * Math.exp(-1) + 10 * (1 - Math.exp(-1)), 9);
  });

  it('decays with time alone, as Finagle’s cost() does', () => {
    const ewma = new PeakEwma(1_000, 0);
    ewma.observe(80, 0);
    expect(ewma.cost(1_000)).toBeCloseTo(80 * Math.exp(-1), 9);
    expect(ewma.cost(1_000)).toBeCloseTo(80 * Math.exp(-1), 9);
  });

  it('load: cost × (in flight + 1), with a penalty for calls in flight and no history', () => {
    const ewma = new PeakEwma(10_000, 0);
    expect(ewma.load(0, 0)).toBe(0);
    expect(ewma.load(2, 0)).toBeGreaterThan(1e300);
    ewma.observe(20, 0);
    expect(ewma.load(3, 0)).toBe(80);
  });

  it('observeAtLeast: a failure or a cut-off attempt raises the estimate, never lowers it (issue 12)', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(10, 0);
    // A node that refuses in 1 ms must not look faster than one that serves in 10.
    ewma.observeAtLeast(1, 1_000);
    expect(ewma.cost(1_000)).toBeCloseTo(10 * Math.exp(-0.1), 9);
    ewma.observeAtLeast(250, 2_000);
    expect(ewma.cost(2_000)).toBe(250);
    const cold = new PeakEwma(10_000, 0);
    cold.observeAtLeast(1, 0);
    expect(cold.cost(0)).toBe(1);
  });

  it('ignores time going backwards', () => {
    const ewma = new PeakEwma(1_000, 5_000);
    ewma.observe(40, 4_000);
    expect(ewma.cost(4_500)).toBe(40);
  });
});

describe('reading the estimate', () => {
  it('is pure: reads at any moments leave every later estimate bit-for-bit the same', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.double({ min: 0.01, max: 5_000, noNaN: true }),
            rtt: fc.double({ min: 0, max: 500, noNaN: true }),
            readAfter: fc.option(fc.double({ min: 0.01, max: 0.99, noNaN: true })),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (steps) => {
          const read = new PeakEwma(10_000, 0);
          const unread = new PeakEwma(10_000, 0);
          let now = 0;
          for (const { gap, rtt, readAfter } of steps) {
            if (readAfter !== null) read.cost(now + gap * readAfter);
            now += gap;
            read.observe(rtt, now);
            unread.observe(rtt, now);
            expect(Object.is(read.cost(now), unread.cost(now))).toBe(true);
          }
        },
      ),
    );
  });
});
