import { describe, expect, it } from 'vitest';
import { allSince, held, percentDown } from './challenge-window.ts';

describe('the challenges’ helpers', () => {
  it('round a share down for display, so a failed 99% never reads 99.0%', () => {
    // Lesson 8 showed "99.0%" beside "Not passed yet" for a 98.95% that failed its 99% bar.
    expect(percentDown(0.9895)).toBe('98.9%');
    expect(percentDown(0.99)).toBe('99.0%');
    expect(percentDown(1)).toBe('100.0%');
    expect(percentDown(0)).toBe('0.0%');
  });

  it('combine conditions: all of them hold since the latest started', () => {
    expect(allSince(3_000, 7_000, 5_000)).toBe(7_000);
    expect(allSince(3_000, undefined)).toBeUndefined();
    expect(held(7_000, 6_000, 12_999)).toEqual({ ready: false, holding: { since: 7_000, needMs: 6_000 } });
    expect(held(7_000, 6_000, 13_000).ready).toBe(true);
    expect(held(undefined, 6_000, 13_000)).toEqual({ ready: false, holding: undefined });
  });
});
