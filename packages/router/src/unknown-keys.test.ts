import { InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { handleAll } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';
import { Router } from './router.js';
import { TokenRetryThrottle } from './token-throttle.js';

/** What `build` throws. */
function thrown(build: () => unknown): InvalidArgumentError {
  try {
    build();
  } catch (error) {
    return error as InvalidArgumentError;
  }
  throw new Error('nothing was thrown');
}

describe('unknown option keys', () => {
  // In plain JavaScript, each of these used to build a router with the default instead.
  it.each([
    ['timout', 'timeout', { timout: 5_000 }],
    ['atemptTimeout', 'attemptTimeout', { atemptTimeout: 100 }],
    ['panicTreshold', 'panicThreshold', { panicTreshold: 0 }],
    ['endpoints[1].wieght', 'endpoints[1].weight', { endpoints: [{ id: 'a' }, { id: 'b', wieght: 2 }] }],
    ['retry.maxAttemps', 'retry.maxAttempts', { retry: { maxAttemps: 5 } }],
    ['hedge.dealy', 'hedge.delay', { hedge: { dealy: 50 } }],
    [
      'outlierDetection.consecutiveFailure',
      'outlierDetection.consecutiveFailures',
      { outlierDetection: { consecutiveFailure: 3 } },
    ],
    [
      'outlierDetection.failureRate.treshold',
      'outlierDetection.failureRate.threshold',
      { outlierDetection: { failureRate: { treshold: 0.5 } } },
    ],
    ['healthCheck.intervall', 'healthCheck.interval', { healthCheck: { check: () => true, intervall: 1_000 } }],
  ])('the constructor refuses %s with InvalidOptionError, suggesting %s', (option, suggestion, options) => {
    const error = thrown(() => new Router(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect(error.message).toContain(`did you mean "${suggestion}"?`);
  });

  it('names every known option when nothing is close', () => {
    const error = thrown(() => new Router({ colour: 'blue' } as never));
    expect((error as InvalidOptionError).option).toBe('colour');
    expect(error.message).toContain('one of the known options (endpoints, balancer, handle, timeout');
  });

  it('the budgets refuse unknown keys too', () => {
    const budget = thrown(() => new RetryBudget({ percentCanRety: 0.5 } as never));
    expect(budget).toBeInstanceOf(InvalidOptionError);
    expect(budget.message).toContain('did you mean "percentCanRetry"?');
    const throttle = thrown(() => new TokenRetryThrottle({ maxToken: 5 } as never));
    expect(throttle).toBeInstanceOf(InvalidOptionError);
    expect(throttle.message).toContain('did you mean "maxTokens"?');
  });

  it('accepts every key of every options object', () => {
    expect(
      () =>
        new Router({
          endpoints: [{ id: 'a', data: 1, weight: 1, priority: 0, zone: undefined }],
          balancer: undefined,
          handle: handleAll,
          timeout: undefined,
          attemptTimeout: undefined,
          retry: { maxAttempts: undefined, backoff: undefined, handle: undefined, retryAfter: undefined },
          budget: undefined,
          hedge: { delay: 5, percentile: undefined, maxHedges: undefined },
          outlierDetection: {
            consecutiveFailures: undefined,
            failureRate: { threshold: undefined, minimumRequests: undefined, window: undefined },
            baseEjectionTime: undefined,
            maxEjectionTime: undefined,
            maxEjectionPercent: undefined,
            interval: undefined,
          },
          panicThreshold: undefined,
          overprovisioningFactor: undefined,
          healthCheck: {
            check: () => true,
            interval: undefined,
            timeout: undefined,
            jitter: undefined,
            healthyThreshold: undefined,
            unhealthyThreshold: undefined,
          },
          ewmaDecay: undefined,
          statsWindow: undefined,
          clock: new VirtualClock(),
          random: undefined,
        }),
    ).not.toThrow();
    expect(() => new RetryBudget({ percentCanRetry: 0.1, minRetriesPerSecond: 1, ttl: 1_000 })).not.toThrow();
    expect(() => new TokenRetryThrottle({ maxTokens: 4, tokenRatio: 0.5 })).not.toThrow();
  });
});

describe('unknown keys in a method’s options are bad arguments', () => {
  const setup = () => new Router({ clock: new VirtualClock(), endpoints: [{ id: 'a' }, { id: 'b' }] });

  it.each([
    ['options.timout', 'options.timeout', { timout: 5 }],
    ['options.attemptTimout', 'options.attemptTimeout', { attemptTimout: 5 }],
    ['options.hedge.dealy', 'options.hedge.delay', { hedge: { dealy: 5 } }],
  ])('execute refuses %s at the call site, suggesting %s, and runs nothing', (argument, suggestion, options) => {
    const router = setup();
    let ran = false;
    const error = thrown(() =>
      router.execute(() => {
        ran = true;
      }, options as never),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).not.toBeInstanceOf(InvalidOptionError);
    expect(error.argument).toBe(argument);
    expect(error.message).toContain(`did you mean "${suggestion}"?`);
    expect(ran).toBe(false);
    expect(router.stats().calls).toBe(0);
  });

  it('add refuses an unknown key of the endpoint, and adds nothing', () => {
    const router = setup();
    const error = thrown(() => router.add({ id: 'c', prority: 1 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).not.toBeInstanceOf(InvalidOptionError);
    expect(error.argument).toBe('endpoint.prority');
    expect(error.message).toContain('did you mean "endpoint.priority"?');
    expect(router.endpoint('c')).toBeUndefined();
  });

  it('remove refuses an unknown key or a bad value, and removes nothing', () => {
    const router = setup();
    const unknown = thrown(() => router.remove('a', { abortInflight: true } as never));
    expect(unknown).toBeInstanceOf(InvalidArgumentError);
    expect(unknown.argument).toBe('options.abortInflight');
    expect(unknown.message).toContain('did you mean "options.abortInFlight"?');
    expect(thrown(() => router.remove('a', { abortInFlight: 'yes' } as never)).argument).toBe('options.abortInFlight');
    expect(thrown(() => router.remove('a', 'now' as never)).argument).toBe('options');
    expect(thrown(() => router.remove(42 as never)).argument).toBe('id');
    expect(router.endpoint('a')).toBeDefined();
    expect(router.remove('a', { abortInFlight: true })).toBe(true);
  });
});
