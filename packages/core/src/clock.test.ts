import { describe, expect, it, vi } from 'vitest';
import { checkDelay, realClock, unrefTimer } from './clock.js';
import { InvalidArgumentError } from './errors.js';

describe('realClock', () => {
  it('reads Date.now', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1234);
    expect(realClock.now()).toBe(1234);
  });

  it('fires and clears platform timers', async () => {
    const fired = await new Promise<boolean>((resolve) => {
      const cleared = realClock.setTimeout(() => resolve(false), 0);
      realClock.clearTimeout(cleared);
      realClock.setTimeout(() => resolve(true), 1);
    });
    expect(fired).toBe(true);
  });

  it('refuses delays the platform would silently turn into "now"', () => {
    expect(() => realClock.setTimeout(() => {}, 2 ** 31)).toThrow(InvalidArgumentError);
    expect(() => realClock.setTimeout(() => {}, Number.NaN)).toThrow(InvalidArgumentError);
  });

  it('is frozen, so nobody can swap its functions globally', () => {
    expect(Object.isFrozen(realClock)).toBe(true);
  });
});

describe('checkDelay', () => {
  it('clamps negative delays to zero and passes others through', () => {
    expect(checkDelay(-5)).toBe(0);
    expect(checkDelay(12.5)).toBe(12.5);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5'])('rejects %s', (ms) => {
    expect(() => checkDelay(ms as never)).toThrow(InvalidArgumentError);
  });
});

describe('unrefTimer', () => {
  it('unrefs Node timers and ignores numeric ids', () => {
    const handle = setTimeout(() => {}, 10_000);
    unrefTimer(handle);
    expect(handle.hasRef()).toBe(false);
    clearTimeout(handle);
    expect(() => unrefTimer(17)).not.toThrow();
    expect(() => unrefTimer({})).not.toThrow();
  });
});
