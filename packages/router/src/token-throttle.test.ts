import { InvalidOptionError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { TokenRetryThrottle } from './token-throttle.js';

describe('TokenRetryThrottle (gRPC retry throttling)', () => {
  it('allows retries while more than half the tokens are left', () => {
    const throttle = new TokenRetryThrottle({ maxTokens: 10, tokenRatio: 0.1 });
    expect(throttle.tryAcquire()).toBe(true);
    for (let i = 0; i < 4; i++) throttle.onAttemptSettled(true);
    expect(throttle.tokens).toBe(6);
    expect(throttle.tryAcquire()).toBe(true);
    throttle.onAttemptSettled(true);
    expect(throttle.tokens).toBe(5);
    expect(throttle.tryAcquire()).toBe(false);
  });

  it('refills by tokenRatio per success, in thousandths, and never beyond maxTokens', () => {
    const throttle = new TokenRetryThrottle({ maxTokens: 4, tokenRatio: 0.333 });
    for (let i = 0; i < 4; i++) throttle.onAttemptSettled(true);
    expect(throttle.tokens).toBe(0);
    for (let i = 0; i < 7; i++) throttle.onAttemptSettled(false);
    expect(throttle.tokens).toBeCloseTo(2.331, 9);
    expect(throttle.tryAcquire()).toBe(true);
    for (let i = 0; i < 100; i++) throttle.onAttemptSettled(false);
    expect(throttle.tokens).toBe(4);
  });

  it('reports its state', () => {
    const throttle = new TokenRetryThrottle();
    for (let i = 0; i < 5; i++) throttle.onAttemptSettled(true);
    throttle.tryAcquire();
    expect(throttle.stats()).toEqual({ kind: 'throttle', available: 0, granted: 0, refused: 1, tokens: 5 });
  });

  it.each([
    ['maxTokens', { maxTokens: 0 }],
    ['maxTokens', { maxTokens: 1_001 }],
    ['tokenRatio', { tokenRatio: 0 }],
    ['tokenRatio', { tokenRatio: 1.5 }],
  ])('rejects a bad %s', (option, options) => {
    expect(() => new TokenRetryThrottle(options)).toThrow(InvalidOptionError);
    expect(() => new TokenRetryThrottle(options)).toThrow(`"${option}"`);
  });
});
