import { VirtualClock } from '@palisade/core';
import {
  BrokenCircuitError,
  CircuitState,
  ConstantBackoff,
  circuitBreaker,
  fallback,
  handleAll,
  handleType,
  type IPolicy,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Boom } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { BreakerOpenError } from './errors.js';
import { TimeWindowRule } from './time-window-rule.js';

describe('a palisade breaker inside cockatiel’s wrap()', () => {
  it('is an IPolicy, and wrap(retry, breaker) retries through it until it opens', async () => {
    const breaker = new CircuitBreaker({
      clock: new VirtualClock(),
      rule: new ConsecutiveFailuresRule({ threshold: 3 }),
    });
    expectTypeOf(breaker).toExtend<IPolicy>();
    const policy = wrap(retry(handleType(Boom), { maxAttempts: 10, backoff: new ConstantBackoff(0) }), breaker);
    let attempts = 0;
    const result = policy.execute(() => {
      attempts++;
      throw new Boom('down');
    });
    // Retry handles only Boom: the fourth attempt meets the open breaker, whose error ends the retries.
    await expect(result).rejects.toBeInstanceOf(BreakerOpenError);
    expect(attempts).toBe(3);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it('a retry that handles BrokenCircuitError sees palisade rejections as cockatiel’s', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 5,
    });
    await breaker.execute(() => Promise.reject(new Boom('x'))).catch(() => {});
    const retries: number[] = [];
    const retryPolicy = retry(handleType(BrokenCircuitError), { maxAttempts: 3, backoff: new ConstantBackoff(0) });
    retryPolicy.onRetry(({ attempt }) => retries.push(attempt));
    const policy = wrap(retryPolicy, breaker);
    await expect(policy.execute(() => 'ok')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('composes with fallback and timeout, and passes the merged context', async () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const policy = wrap(fallback(handleAll, 'fallback'), timeout(60_000, TimeoutStrategy.Cooperative), breaker);
    expect(await policy.execute(({ signal }) => (signal instanceof AbortSignal ? 'ran' : 'no signal'))).toBe('ran');
    expect(await policy.execute(() => Promise.reject(new Boom('x')))).toBe('fallback');
    expect(breaker.state).toBe(CircuitState.Open);
    expect(await policy.execute(() => 'never runs')).toBe('fallback');
  });

  it('fires onSuccess/onFailure as a cockatiel policy does, for wrap() to forward', async () => {
    const breaker = new CircuitBreaker();
    const policy = wrap(breaker, retry(handleAll, { maxAttempts: 1 }));
    const seen: string[] = [];
    policy.onSuccess(() => seen.push('success'));
    policy.onFailure(({ handled }) => seen.push(`failure:${handled}`));
    await policy.execute(() => 1);
    await policy.execute(() => Promise.reject(new Boom('x'))).catch(() => {});
    expect(seen).toEqual(['success', 'failure:true']);
  });
});

describe('palisade trip rules inside cockatiel’s circuitBreaker()', () => {
  it.each([
    ['ConsecutiveFailuresRule', () => new ConsecutiveFailuresRule({ threshold: 4 })],
    ['CountWindowRule', () => new CountWindowRule({ size: 4, failureRateThreshold: 1 })],
    ['TimeWindowRule', () => new TimeWindowRule({ minimumCalls: 4, failureRateThreshold: 1 })],
  ])('%s opens cockatiel’s breaker on the fourth failure', async (_, makeRule) => {
    const policy = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: makeRule() });
    for (let i = 0; i < 4; i++) {
      expect(policy.state).toBe(CircuitState.Closed);
      await policy.execute(() => Promise.reject(new Boom('x'))).catch(() => {});
    }
    expect(policy.state).toBe(CircuitState.Open);
    await expect(policy.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
  });
});
