import { InvalidArgumentError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import { fail, succeed } from './breaker.test-util.js';
import { BreakerRegistry } from './breaker-registry.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { instrumentRegistry } from './otel.js';

const NAME = { 'palisade.breaker.name': 'tenants' };
const IDLE = 1_000;

function setup(traceEvents?: boolean) {
  const clock = new VirtualClock();
  const registry = new BreakerRegistry<string>({
    clock,
    idleTimeout: IDLE,
    breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 1 }), halfOpenAfter: 100 }),
  });
  const telemetry = new TestMetrics();
  const handle = instrumentRegistry(registry, {
    name: 'tenants',
    meterProvider: telemetry.meterProvider,
    ...(traceEvents === undefined ? {} : { traceEvents }),
  });
  return { clock, registry, telemetry, handle };
}

describe('instrumentRegistry: metrics', () => {
  it('aggregates every key into one series per outcome and state, however many keys', async () => {
    const { registry, telemetry } = setup();
    const seriesCount = async () =>
      (await telemetry.collect()).reduce((sum, metric) => sum + metric.dataPoints.length, 0);
    for (let key = 0; key < 10; key++) await registry.execute(`tenant-${key}`, succeed);
    await registry.execute('tenant-0', fail).catch(() => {});
    const seriesWithTenKeys = await seriesCount();
    for (let key = 10; key < 2_000; key++) await registry.execute(`tenant-${key}`, succeed);
    for (let key = 1; key < 10; key++) await registry.execute(`tenant-${key}`, fail).catch(() => {});
    await registry.execute('tenant-0', succeed).catch(() => {});
    const calls = await telemetry.points('palisade.breaker.calls');
    expect(calls).toEqual([
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'success' }, value: 2_000 },
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'failure' }, value: 10 },
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'rejected' }, value: 1 },
    ]);
    const breakers = await telemetry.points('palisade.breaker.registry.breakers');
    expect(breakers.map((p) => [p.attributes['palisade.breaker.state'], p.value])).toEqual([
      ['closed', 1_990],
      ['open', 10],
      ['half-open', 0],
      ['isolated', 0],
    ]);
    expect(await telemetry.value('palisade.breaker.transitions', { ...NAME, 'palisade.breaker.state': 'open' })).toBe(
      10,
    );
    expect(await telemetry.value('palisade.breaker.registry.created', NAME)).toBe(2_000);
    // No key is an attribute: 2,000 keys make the same series as 10 (a million would, too).
    expect(await seriesCount()).toBe(seriesWithTenKeys);
    const keyed = (await telemetry.collect()).flatMap((metric) =>
      metric.dataPoints.flatMap((point) => Object.values(point.attributes)),
    );
    expect(keyed.filter((value) => String(value).startsWith('tenant-'))).toEqual([]);
  });

  it('keeps counting what evicted breakers did, and counts the evictions', async () => {
    const { clock, registry, telemetry } = setup();
    await registry.execute('a', succeed);
    await registry.execute('b', succeed);
    const held = registry.tryAcquire('b');
    expect(await telemetry.value('palisade.breaker.in_flight', NAME)).toBe(1);
    if (held.admitted) held.success(0);
    await clock.advance(2 * IDLE);
    expect(registry.size).toBe(0);
    expect(await telemetry.value('palisade.breaker.calls', { 'palisade.breaker.outcome': 'success' })).toBe(3);
    expect(await telemetry.value('palisade.breaker.registry.evicted', NAME)).toBe(2);
    expect(await telemetry.value('palisade.breaker.in_flight', NAME)).toBe(0);
    expect(await telemetry.value('palisade.breaker.slow_calls', NAME)).toBe(0);
  });

  it('stops when disposed', async () => {
    const { registry, telemetry, handle } = setup();
    handle.dispose();
    await registry.execute('a', fail).catch(() => {});
    expect(await telemetry.collect()).toEqual([]);
  });

  it('throws InvalidArgumentError for something that is not a registry', () => {
    expect(() => instrumentRegistry(new Map() as never, { name: 'x' })).toThrow(InvalidArgumentError);
  });
});

describe('instrumentRegistry: span events', () => {
  const tracing = testTracing();

  it('adds any breaker’s rejection and state change to the active span', async () => {
    const { registry } = setup();
    const events = await eventsWithin(tracing, async () => {
      await registry.execute('a', fail).catch(() => {});
      await registry.execute('a', succeed).catch(() => {});
    });
    expect(events).toEqual([
      { name: 'palisade.breaker.state_change', attributes: { ...NAME, 'palisade.breaker.state': 'open' } },
      {
        name: 'palisade.breaker.reject',
        attributes: { ...NAME, 'palisade.breaker.reject.reason': 'open', 'palisade.breaker.retry_after': 0.1 },
      },
    ]);
  });

  it('adds nothing with traceEvents: false', async () => {
    const { registry } = setup(false);
    const events = await eventsWithin(tracing, async () => {
      await registry.execute('a', fail).catch(() => {});
      await registry.execute('a', succeed).catch(() => {});
    });
    expect(events).toEqual([]);
  });
});
