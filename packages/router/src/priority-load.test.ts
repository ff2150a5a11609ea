import { describe, expect, it } from 'vitest';
import { priorityLoad } from './priority-load.js';

const tiers = (...healthy: [number, number][]) => healthy.map(([h, total]) => ({ healthy: h, total }));

describe('priorityLoad (Envoy priority levels and panic threshold)', () => {
  // The table of Envoy's "Priority levels" page: two levels, P=1 fully healthy, overprovisioning 1.4.
  it.each([
    [100, 100, 0],
    [72, 100, 0],
    [71, 99, 1],
    [50, 70, 30],
    [25, 35, 65],
    [0, 0, 100],
  ])('P0 %i%% healthy → %i%% to P0, %i%% to P1', (p0Healthy, toP0, toP1) => {
    const { loads, panic } = priorityLoad(tiers([p0Healthy, 100], [100, 100]), 1.4, 0.5);
    expect(loads).toEqual([toP0, toP1]);
    expect(panic).toEqual([false, false]);
  });

  it('normalizes when the levels together are not healthy enough, and panics the levels below the threshold', () => {
    // Envoy's example: both levels 20% healthy, health 28 each, normalized total 56 → 50/50, both in panic.
    const { loads, panic } = priorityLoad(tiers([2, 10], [2, 10]), 1.4, 0.5);
    expect(loads).toEqual([50, 50]);
    expect(panic).toEqual([true, true]);
  });

  it('does not panic while the other levels make up the health', () => {
    const { loads, panic } = priorityLoad(tiers([4, 10], [10, 10]), 1.4, 0.5);
    expect(loads).toEqual([56, 44]);
    expect(panic).toEqual([false, false]);
  });

  it('one level: panics below the threshold, spreads calls to the healthy ones above it', () => {
    expect(priorityLoad(tiers([3, 5]), 1.4, 0.5)).toEqual({ loads: [100], panic: [false] });
    expect(priorityLoad(tiers([2, 5]), 1.4, 0.5)).toEqual({ loads: [100], panic: [true] });
  });

  it('sends everything to the first level, in panic, when nothing is healthy; no panic with a threshold of 0', () => {
    expect(priorityLoad(tiers([0, 3], [0, 2]), 1.4, 0.5)).toEqual({ loads: [100, 0], panic: [true, false] });
    expect(priorityLoad(tiers([0, 3], [0, 2]), 1.4, 0)).toEqual({ loads: [100, 0], panic: [false, false] });
  });

  it('skips empty levels and gives rounding leftovers to the first level with traffic', () => {
    expect(priorityLoad(tiers([0, 0], [1, 3], [1, 3], [1, 3]), 1, 0)).toEqual({
      loads: [0, 34, 33, 33],
      panic: [false, false, false, false],
    });
    expect(priorityLoad([], 1.4, 0.5)).toEqual({ loads: [], panic: [] });
  });
});
