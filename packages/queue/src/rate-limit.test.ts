import { describe, expect, it } from 'vitest';
import { FixedWindowRateLimit } from './rate-limit.js';

describe('FixedWindowRateLimit', () => {
  it('allows cap starts per window, the window opening at the first start after the last one closed', () => {
    const limit = new FixedWindowRateLimit(2, 100);
    expect([limit.tryStart(10), limit.tryStart(20), limit.tryStart(30)]).toEqual([true, true, false]);
    expect(limit.windowEnd).toBe(110);
    expect(limit.tryStart(110)).toBe(true);
    expect(limit.windowEnd).toBe(210);
    expect(limit.tryStart(500)).toBe(true);
    expect(limit.windowEnd).toBe(600);
  });
});
