import { isPalisadeError, PalisadeError, VirtualClock } from '@palisade/core';
import { BrokenCircuitError, IsolatedCircuitError, isBrokenCircuitError, isIsolatedCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  BreakerHalfOpenError,
  BreakerIsolatedError,
  BreakerOpenError,
  BreakerStoreConflictError,
  isBreakerRejectedError,
  ProbeTimeoutError,
} from './errors.js';

describe('rejection errors', () => {
  it.each([
    [new BreakerOpenError(5), 'ERR_PALISADE_BREAKER_OPEN', 'open', 5],
    [new BreakerHalfOpenError(), 'ERR_PALISADE_BREAKER_HALF_OPEN', 'half-open', 0],
    [new BreakerIsolatedError(), 'ERR_PALISADE_BREAKER_ISOLATED', 'isolated', Number.POSITIVE_INFINITY],
  ])('%s is a cockatiel BrokenCircuitError with a stable code', (error, code, reason, retryAfter) => {
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error).toBeInstanceOf(PalisadeError);
    expect(isPalisadeError(error)).toBe(true);
    expect(isBreakerRejectedError(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.reason).toBe(reason);
    expect(error.retryAfter).toBe(retryAfter);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it('the isolated error is also cockatiel’s IsolatedCircuitError', () => {
    const error = new BreakerIsolatedError();
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect(isIsolatedCircuitError(error)).toBe(true);
    expect(isIsolatedCircuitError(new BreakerOpenError())).toBe(false);
  });

  it('reads retryAfter live when given a function', async () => {
    const clock = new VirtualClock();
    const until = 1_000;
    const error = new BreakerOpenError(() => Math.max(0, until - clock.now()));
    expect(error.retryAfter).toBe(1_000);
    await clock.advance(400);
    expect(error.retryAfter).toBe(600);
  });

  it('other errors are not rejections', () => {
    expect(isBreakerRejectedError(new BrokenCircuitError())).toBe(false);
    expect(isBreakerRejectedError(new Error('x'))).toBe(false);
    expect(isBreakerRejectedError(undefined)).toBe(false);
  });

  it('the non-rejection errors have codes', () => {
    expect(new ProbeTimeoutError(10).code).toBe('ERR_PALISADE_BREAKER_PROBE_TIMEOUT');
    expect(new ProbeTimeoutError(10).maxDuration).toBe(10);
    expect(new BreakerStoreConflictError().code).toBe('ERR_PALISADE_BREAKER_STORE_CONFLICT');
  });
});
