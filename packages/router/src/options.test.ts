import { InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { handleAll } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import type { RouterOptions } from './options.js';
import { Router } from './router.js';

describe('options', () => {
  const bad: [string, RouterOptions][] = [
    ['options', 'fast' as never],
    ['endpoints', { endpoints: 'a,b' as never }],
    ['endpoints[0]', { endpoints: [42 as never] }],
    ['balancer', { balancer: 'random' as never }],
    ['handle', { handle: (() => true) as never }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: -1 }],
    ['attemptTimeout', { attemptTimeout: Number.NaN }],
    ['retry', { retry: 3 as never }],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }],
    ['retry.maxAttempts', { retry: { maxAttempts: 1.5 } }],
    ['retry.backoff', { retry: { backoff: -10 } }],
    ['retry.backoff', { retry: { backoff: {} as never } }],
    ['retry.handle', { retry: { handle: {} as never } }],
    ['retry.retryAfter', { retry: { retryAfter: 5 as never } }],
    ['budget', { budget: { tryAcquire: () => true } as never }],
    ['hedge', { hedge: { delay: 5, percentile: 0.5 } }],
    ['outlierDetection', { outlierDetection: true as never }],
    ['outlierDetection.consecutiveFailures', { outlierDetection: { consecutiveFailures: 0 } }],
    ['outlierDetection.failureRate.threshold', { outlierDetection: { failureRate: { threshold: 0 } } }],
    ['outlierDetection.failureRate.minimumRequests', { outlierDetection: { failureRate: { minimumRequests: 0 } } }],
    ['outlierDetection.failureRate.window', { outlierDetection: { failureRate: { window: 0 } } }],
    ['outlierDetection.baseEjectionTime', { outlierDetection: { baseEjectionTime: 0 } }],
    ['outlierDetection.maxEjectionTime', { outlierDetection: { baseEjectionTime: 1_000, maxEjectionTime: 999 } }],
    ['outlierDetection.maxEjectionPercent', { outlierDetection: { maxEjectionPercent: 101 } }],
    ['outlierDetection.interval', { outlierDetection: { interval: -1 } }],
    ['panicThreshold', { panicThreshold: 150 }],
    ['overprovisioningFactor', { overprovisioningFactor: 0.5 }],
    ['healthCheck', { healthCheck: 'yes' as never }],
    ['healthCheck.interval', { healthCheck: { check: () => true, interval: 2 ** 31 } }],
    ['healthCheck.timeout', { healthCheck: { check: () => true, timeout: 0 } }],
    ['ewmaDecay', { ewmaDecay: 0 }],
    ['statsWindow', { statsWindow: Number.POSITIVE_INFINITY }],
    ['clock', { clock: Date as never }],
    ['clock.setTimeout', { clock: { now: () => 0 } as never }],
    ['random', { random: 0.5 as never }],
  ];

  it.each(bad)('a bad %s throws InvalidOptionError naming it', (option, options) => {
    let thrown: unknown;
    try {
      new Router(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).option).toBe(option);
    expect((thrown as InvalidOptionError).code).toBe('ERR_PALISADE_INVALID_OPTION');
  });

  it('accepts every documented form', () => {
    const clock = new VirtualClock();
    expect(
      () =>
        new Router({
          clock,
          endpoints: [{ id: 'a', data: 1, weight: 0.5, priority: 2, zone: 'z' }],
          balancer: 'sticky',
          handle: handleAll,
          timeout: Number.POSITIVE_INFINITY,
          attemptTimeout: 100,
          retry: { maxAttempts: 1, backoff: 0, retryAfter: false },
          budget: false,
          hedge: { percentile: 0.99, maxHedges: 3 },
          outlierDetection: { consecutiveFailures: Number.POSITIVE_INFINITY, failureRate: false },
          panicThreshold: 0,
          overprovisioningFactor: 1,
          healthCheck: { check: () => true },
        }),
    ).not.toThrow();
    expect(() => new Router({ outlierDetection: false, retry: false })).not.toThrow();
  });

  it('switches the balancer at runtime, refusing unknown names as a bad argument', () => {
    const router = new Router();
    expect(router.balancer).toBe('peak-ewma');
    router.setBalancer('round-robin');
    expect(router.balancer).toBe('round-robin');
    expect(() => router.setBalancer('fastest' as never)).toThrow(InvalidArgumentError);
    expect(() => router.setBalancer('fastest' as never)).not.toThrow(InvalidOptionError);
    expect(() => router.setBalancer('fastest' as never)).toThrow('Invalid argument "balancer"');
    expect(router.balancer).toBe('round-robin');
  });
});
