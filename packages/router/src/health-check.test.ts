import { InvalidOptionError, seededRandom, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import type { HealthCheckOptions } from './options.js';
import { Router } from './router.js';

function setup(healthCheck: Partial<HealthCheckOptions<string>> = {}) {
  const clock = new VirtualClock();
  const failing = new Set<string>();
  const checks: string[] = [];
  const router = new Router<string>({
    clock,
    random: seededRandom(4),
    endpoints: ['a', 'b', 'c'].map((id) => ({ id, data: id })),
    healthCheck: {
      interval: 1_000,
      jitter: 0,
      check: (endpoint) => {
        checks.push(`${clock.now()} ${endpoint.id}`);
        return !failing.has(endpoint.id);
      },
      ...healthCheck,
    },
  });
  const changes: string[] = [];
  router.onHealthChange(({ endpoint, healthy }) =>
    changes.push(`${clock.now()} ${endpoint.id} ${healthy ? 'healthy' : 'unhealthy'}`),
  );
  return { clock, router, failing, checks, changes };
}

describe('active health checking', () => {
  it('checks each endpoint every interval on the clock', async () => {
    const { clock, checks, router } = setup();
    await clock.advance(2_000);
    expect(checks).toEqual(['0 a', '0 b', '0 c', '1000 a', '1000 b', '1000 c', '2000 a', '2000 b', '2000 c']);
    await router.close();
    await clock.advance(5_000);
    expect(checks).toHaveLength(9);
    expect(clock.pendingTimers).toBe(0);
  });

  it('takes an endpoint out after 3 failed checks in a row, and back after 2 passes', async () => {
    const { clock, router, failing, changes } = setup();
    failing.add('b');
    await clock.advance(3_000);
    expect(changes).toEqual(['2000 b unhealthy']);
    expect(router.endpointStats('b')?.status).toBe('unhealthy');
    for (let i = 0; i < 50; i++) expect(await router.execute((endpoint) => endpoint.id)).not.toBe('b');
    failing.delete('b');
    await clock.advance(2_000);
    expect(changes).toEqual(['2000 b unhealthy', '5000 b healthy']);
    expect(router.endpointStats('b')?.status).toBe('healthy');
  });

  it('fails a check that throws, rejects, returns false or outlives its timeout (and aborts its signal)', async () => {
    const signals: AbortSignal[] = [];
    const { clock, router, changes } = setup({
      timeout: 100,
      unhealthyThreshold: 1,
      check: (endpoint, signal) => {
        signals.push(signal);
        if (endpoint.id === 'a') throw new Error('sync');
        if (endpoint.id === 'b') return Promise.reject(new Error('async'));
        return new Promise(() => {});
      },
    });
    await clock.advance(100);
    expect(changes).toEqual(['0 a unhealthy', '0 b unhealthy', '100 c unhealthy']);
    expect(signals[2]?.aborted).toBe(true);
    expect(router.stats().tiers[0]).toMatchObject({ healthy: 0, panic: true });
  });

  it('stops checking a removed endpoint, and starts checking an added one', async () => {
    const { clock, router, checks } = setup();
    router.remove('a');
    router.add({ id: 'd', data: 'd' });
    await clock.advance(1_000);
    expect(checks.filter((c) => c.endsWith(' a'))).toEqual([]);
    expect(checks.filter((c) => c.endsWith(' d'))).toEqual(['0 d', '1000 d']);
  });

  it('spreads checks with jitter drawn from the injected random', async () => {
    const one = setup({ jitter: 0.5 });
    const other = setup({ jitter: 0.5 });
    await one.clock.advance(10_000);
    await other.clock.advance(10_000);
    expect(one.checks).toEqual(other.checks);
    expect(new Set(one.checks.map((c) => c.split(' ')[0])).size).toBeGreaterThan(10);
  });

  it('validates its options', () => {
    expect(() => new Router({ healthCheck: {} as never })).toThrow(InvalidOptionError);
    expect(() => new Router({ healthCheck: { check: () => true, interval: 0 } })).toThrow('"healthCheck.interval"');
    expect(() => new Router({ healthCheck: { check: () => true, jitter: 2 } })).toThrow('"healthCheck.jitter"');
    expect(() => new Router({ healthCheck: { check: () => true, healthyThreshold: 0 } })).toThrow(
      '"healthCheck.healthyThreshold"',
    );
  });
});
