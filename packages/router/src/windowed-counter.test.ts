import { describe, expect, it } from 'vitest';
import { WindowedCounter } from './windowed-counter.js';

describe('WindowedCounter', () => {
  it('sums what was added within the window and forgets it slot by slot', () => {
    const counter = new WindowedCounter(1_000, 10, 0);
    counter.add(0, 5);
    counter.add(150, 3);
    expect(counter.sum(150)).toBe(8);
    // The slot of t=0 leaves once the window has slid ten slots past it.
    expect(counter.sum(999)).toBe(8);
    expect(counter.sum(1_000)).toBe(3);
    expect(counter.sum(1_099)).toBe(3);
    expect(counter.sum(1_100)).toBe(0);
  });

  it('forgets everything after a gap longer than the window', () => {
    const counter = new WindowedCounter(1_000, 10, 0);
    counter.add(0, 7);
    expect(counter.sum(50_000)).toBe(0);
    counter.add(50_000, 2);
    expect(counter.sum(50_001)).toBe(2);
  });

  it('keeps several series in step', () => {
    const counter = new WindowedCounter(100, 2, 0, 2);
    counter.add2(0, 1, 1);
    counter.add2(60, 1, 0);
    expect([counter.sum(60, 0), counter.sum(60, 1)]).toEqual([2, 1]);
    expect([counter.sum(100, 0), counter.sum(100, 1)]).toEqual([1, 0]);
  });

  it('ignores time going backwards', () => {
    const counter = new WindowedCounter(1_000, 10, 500);
    counter.add(500, 1);
    counter.add(200, 1);
    expect(counter.sum(400)).toBe(2);
  });
});
