import { metrics } from '@opentelemetry/api';
import { InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import { fail, run, succeed } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { instrumentBreaker } from './otel.js';

const NAME = { 'palisade.breaker.name': 'payments' };

function setup(options: { threshold?: number; traceEvents?: boolean; mode?: 'metrics-only' } = {}) {
  const clock = new VirtualClock();
  const breaker = new CircuitBreaker({
    clock,
    rule: new ConsecutiveFailuresRule({ threshold: options.threshold ?? 2 }),
    halfOpenAfter: 1_000,
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
  const telemetry = new TestMetrics();
  const handle = instrumentBreaker(breaker, {
    name: 'payments',
    meterProvider: telemetry.meterProvider,
    ...(options.traceEvents === undefined ? {} : { traceEvents: options.traceEvents }),
  });
  return { clock, breaker, telemetry, handle };
}

describe('instrumentBreaker: metrics', () => {
  it('palisade.breaker.calls counts calls by outcome', async () => {
    const { breaker, telemetry } = setup();
    await run(breaker, succeed, 3);
    await run(breaker, fail, 2);
    await run(breaker, succeed, 4);
    expect(await telemetry.points('palisade.breaker.calls')).toEqual([
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'success' }, value: 3 },
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'failure' }, value: 2 },
      { attributes: { ...NAME, 'palisade.breaker.outcome': 'rejected' }, value: 4 },
    ]);
    const metric = await telemetry.metric('palisade.breaker.calls');
    expect(metric?.descriptor).toMatchObject({ unit: '{call}' });
  });

  it('palisade.breaker.state is 1 for the current state and 0 for the others', async () => {
    const { clock, breaker, telemetry } = setup();
    const state = async () =>
      Object.fromEntries(
        (await telemetry.points('palisade.breaker.state')).map((p) => [
          p.attributes['palisade.breaker.state'],
          p.value,
        ]),
      );
    expect(await state()).toEqual({ closed: 1, open: 0, 'half-open': 0, isolated: 0 });
    await run(breaker, fail, 2);
    expect(await state()).toEqual({ closed: 0, open: 1, 'half-open': 0, isolated: 0 });
    await clock.advance(1_000);
    breaker.tryAcquire();
    expect(await state()).toEqual({ closed: 0, open: 0, 'half-open': 1, isolated: 0 });
    breaker.isolate();
    expect(await state()).toEqual({ closed: 0, open: 0, 'half-open': 0, isolated: 1 });
  });

  it('palisade.breaker.transitions counts state changes by the state entered', async () => {
    const { clock, breaker, telemetry } = setup();
    await run(breaker, fail, 2);
    await clock.advance(1_000);
    await run(breaker, fail);
    await clock.advance(1_000);
    await run(breaker, succeed);
    const transitions = async (state: string) =>
      telemetry.value('palisade.breaker.transitions', { ...NAME, 'palisade.breaker.state': state });
    expect(await transitions('open')).toBe(2);
    expect(await transitions('half-open')).toBe(2);
    expect(await transitions('closed')).toBe(1);
    expect(await transitions('isolated')).toBeUndefined();
  });

  it('palisade.breaker.slow_calls, trips and in_flight follow stats()', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      mode: 'metrics-only',
      rule: new CountWindowRule({ size: 2, slowCallDuration: 10, slowCallRateThreshold: 1 }),
    });
    const telemetry = new TestMetrics();
    instrumentBreaker(breaker, { name: 'payments', meterProvider: telemetry.meterProvider });
    for (let i = 0; i < 4; i++) {
      const permit = breaker.tryAcquire();
      if (permit.admitted) permit.success(20);
    }
    const held = breaker.tryAcquire();
    expect(await telemetry.value('palisade.breaker.slow_calls', NAME)).toBe(4);
    expect(await telemetry.value('palisade.breaker.trips', NAME)).toBe(2);
    expect(await telemetry.value('palisade.breaker.in_flight', NAME)).toBe(1);
    if (held.admitted) held.release();
    expect(await telemetry.value('palisade.breaker.in_flight', NAME)).toBe(0);
  });

  it('stops when disposed, and disposing twice is harmless', async () => {
    const { breaker, telemetry, handle } = setup();
    await run(breaker, fail, 2);
    handle.dispose();
    handle.dispose();
    await run(breaker, fail, 3);
    const afterDispose = await telemetry.collect();
    const rejected = afterDispose
      .find((m) => m.descriptor.name === 'palisade.breaker.calls')
      ?.dataPoints.find((p) => p.attributes['palisade.breaker.outcome'] === 'rejected');
    expect(rejected).toBeUndefined();
    expect(await telemetry.value('palisade.breaker.transitions', { 'palisade.breaker.state': 'open' })).toBe(1);
  });

  it('costs nothing and changes nothing without an SDK: the API is a no-op', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const handle = instrumentBreaker(breaker, { name: 'payments' });
    expect(metrics.getMeterProvider().getMeter('x').createCounter('y').add).toBeTypeOf('function');
    await run(breaker, fail);
    expect(breaker.stats()).toMatchObject({ calls: 1, opens: 1 });
    handle.dispose();
  });
});

describe('instrumentBreaker: span events', () => {
  const tracing = testTracing();

  it('adds a rejection to the active span, with the reason and when to retry (in seconds)', async () => {
    const { clock, breaker } = setup();
    await run(breaker, fail, 2);
    await clock.advance(250);
    const events = await eventsWithin(tracing, () => breaker.execute(succeed).catch(() => {}));
    expect(events).toEqual([
      {
        name: 'palisade.breaker.reject',
        attributes: { ...NAME, 'palisade.breaker.reject.reason': 'open', 'palisade.breaker.retry_after': 0.75 },
      },
    ]);
    breaker.isolate();
    const isolated = await eventsWithin(tracing, async () => breaker.tryAcquire());
    expect(isolated).toEqual([
      { name: 'palisade.breaker.reject', attributes: { ...NAME, 'palisade.breaker.reject.reason': 'isolated' } },
    ]);
  });

  it('adds the state change to the span of the call that caused it', async () => {
    const { breaker } = setup();
    await run(breaker, fail);
    const events = await eventsWithin(tracing, () => run(breaker, fail));
    expect(events).toEqual([
      { name: 'palisade.breaker.state_change', attributes: { ...NAME, 'palisade.breaker.state': 'open' } },
    ]);
  });

  it('adds nothing with traceEvents: false, or when no span is active', async () => {
    const { breaker } = setup({ traceEvents: false });
    await run(breaker, fail);
    expect(await eventsWithin(tracing, () => run(breaker, fail, 3))).toEqual([]);
    const other = setup();
    await run(other.breaker, fail, 3);
    expect(tracing.finished()).toEqual([]);
  });
});

describe('instrumentBreaker: bad input', () => {
  it('throws InvalidArgumentError for something that is not a breaker', () => {
    expect(() => instrumentBreaker({} as CircuitBreaker, { name: 'x' })).toThrow(InvalidArgumentError);
  });

  it('throws InvalidOptionError for a missing name or an unknown option', () => {
    const breaker = new CircuitBreaker();
    expect(() => instrumentBreaker(breaker, {} as { name: string })).toThrow(InvalidOptionError);
    expect(() => instrumentBreaker(breaker, { name: 'x', traceevents: false } as { name: string })).toThrow(
      /did you mean "traceEvents"/,
    );
  });
});
