import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InvalidArgumentError, InvalidOptionError, seededRandom, VirtualClock } from '@palisade/core';
import { handleType } from 'cockatiel';
import { describe, expect, it, vi } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import type { RouterOptions } from './options.js';
import { instrumentRouter } from './otel.js';
import { RetryBudget } from './retry-budget.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

const NAME = { 'palisade.router.name': 'inventory' };

/** Endpoints answer after 20 ms ('slow': 500 ms), or fail when their id is in `down`. */
function setup(
  options: RouterOptions<number> = {},
  instrumentation: { endpointAttribute?: boolean; traceEvents?: boolean; durations?: boolean } = {},
) {
  const clock = new VirtualClock();
  const router = new Router<number>({
    clock,
    random: seededRandom(3),
    endpoints: [
      { id: 'a', data: 20 },
      { id: 'b', data: 20 },
    ],
    balancer: 'round-robin',
    ...options,
  });
  const telemetry = new TestMetrics();
  const handle = instrumentRouter(router, {
    name: 'inventory',
    meterProvider: telemetry.meterProvider,
    ...instrumentation,
  });
  const down = new Set<string>();
  const call = () =>
    router.execute(
      (endpoint, signal) =>
        new Promise<string>((resolve, reject) => {
          const timer = clock.setTimeout(
            () => (down.has(endpoint.id) ? reject(new Boom(endpoint.id)) : resolve(endpoint.id)),
            endpoint.data,
          );
          signal.addEventListener('abort', () => {
            clock.clearTimeout(timer);
            reject(signal.reason);
          });
        }),
    );
  /** Runs one call to its end on the virtual clock (a second covers its attempts and backoffs, not an ejection). */
  const run = async () => {
    const result = settle(call());
    await clock.advance(1_000);
    return result;
  };
  return { clock, router, telemetry, handle, down, call, run };
}

describe('instrumentRouter: metrics', () => {
  it('palisade.router.calls counts calls by outcome, and in_flight those running', async () => {
    const { router, telemetry, down, run, call, clock } = setup({ retry: false });
    await run();
    await run();
    down.add('a');
    down.add('b');
    await run();
    const controller = new AbortController();
    const cancelled = settle(router.execute(() => new Promise(() => {}), controller.signal));
    const running = settle(call());
    expect(await telemetry.value('palisade.router.in_flight', NAME)).toBe(2);
    controller.abort();
    await clock.runAll();
    await cancelled;
    await running;
    expect(await telemetry.points('palisade.router.calls')).toEqual([
      { attributes: { ...NAME, 'palisade.router.outcome': 'success' }, value: 2 },
      { attributes: { ...NAME, 'palisade.router.outcome': 'failure' }, value: 2 },
      { attributes: { ...NAME, 'palisade.router.outcome': 'cancelled' }, value: 1 },
    ]);
    expect(await telemetry.value('palisade.router.in_flight', NAME)).toBe(0);
  });

  it('palisade.router.call.duration records each call in seconds, by outcome', async () => {
    const { telemetry, router, clock, down, run } = setup({ retry: false });
    await run();
    await run();
    down.add('a');
    down.add('b');
    await run();
    expect(
      await telemetry.histogram('palisade.router.call.duration', { 'palisade.router.outcome': 'success' }),
    ).toEqual({
      count: 2,
      sum: 0.04,
    });
    expect(
      await telemetry.histogram('palisade.router.call.duration', { 'palisade.router.outcome': 'failure' }),
    ).toEqual({
      count: 1,
      sum: 0.02,
    });
    const controller = new AbortController();
    const cancelled = settle(router.execute(() => new Promise(() => {}), controller.signal));
    await clock.advance(5);
    controller.abort();
    await cancelled;
    expect(
      await telemetry.histogram('palisade.router.call.duration', { 'palisade.router.outcome': 'cancelled' }),
    ).toEqual({
      count: 1,
      sum: 0.005,
    });
    const metric = await telemetry.metric('palisade.router.call.duration');
    expect(metric?.descriptor.unit).toBe('s');
  });

  it('a call ended by an error `handle` does not count is a failure in call.duration, not a cancellation', async () => {
    const { telemetry, router, clock } = setup({ retry: false, handle: handleType(Boom) });
    const answered = settle(router.execute(() => Promise.reject(new TypeError('not ours'))));
    await clock.advance(1);
    await answered;
    expect(
      await telemetry.histogram('palisade.router.call.duration', { 'palisade.router.outcome': 'failure' }),
    ).toEqual({
      count: 1,
      sum: 0,
    });
    expect(await telemetry.histogram('palisade.router.call.duration', { 'palisade.router.outcome': 'cancelled' })).toBe(
      undefined,
    );
  });

  it('palisade.router.attempts counts attempts by endpoint and outcome; retries counts the retries', async () => {
    const { telemetry, down, run } = setup({ retry: { maxAttempts: 3 } });
    down.add('a');
    for (let i = 0; i < 4; i++) await run();
    const attempts = async (endpoint: string, outcome: string) =>
      telemetry.value('palisade.router.attempts', {
        ...NAME,
        'palisade.router.endpoint': endpoint,
        'palisade.router.outcome': outcome,
      });
    expect(await attempts('a', 'failure')).toBeGreaterThan(0);
    expect(await attempts('a', 'success')).toBe(0);
    expect(await attempts('b', 'success')).toBe(4);
    expect(await telemetry.value('palisade.router.retries', NAME)).toBe(await attempts('a', 'failure'));
    expect(await telemetry.value('palisade.router.calls', { 'palisade.router.outcome': 'success' })).toBe(4);
  });

  it('palisade.router.hedges and hedge_wins count hedged attempts; the loser counts as abandoned', async () => {
    const { telemetry, run } = setup({
      hedge: { delay: 50 },
      endpoints: [
        { id: 'slow', data: 500 },
        { id: 'fast', data: 20 },
      ],
    });
    await run();
    expect(await telemetry.value('palisade.router.hedges', NAME)).toBe(1);
    expect(await telemetry.value('palisade.router.hedge_wins', NAME)).toBe(1);
    expect(
      await telemetry.value('palisade.router.attempts', {
        'palisade.router.endpoint': 'slow',
        'palisade.router.outcome': 'abandoned',
      }),
    ).toBe(1);
  });

  it('palisade.router.ejections and endpoints follow outlier detection; budget.used the retry budget', async () => {
    const { telemetry, router, down, run } = setup({
      retry: { maxAttempts: 2 },
      outlierDetection: { consecutiveFailures: 2, baseEjectionTime: 10_000 },
    });
    down.add('a');
    for (let i = 0; i < 6; i++) await run();
    expect(await telemetry.value('palisade.router.ejections', { 'palisade.router.endpoint': 'a' })).toBe(1);
    const status = async (s: string) =>
      telemetry.value('palisade.router.endpoints', { 'palisade.router.endpoint.status': s });
    expect(await status('healthy')).toBe(1);
    expect(await status('ejected')).toBe(1);
    const granted = await telemetry.value('palisade.router.budget.used', {
      'palisade.router.budget.decision': 'granted',
    });
    expect(granted).toBe(await telemetry.value('palisade.router.retries', NAME));
    expect(await telemetry.value('palisade.router.budget.used', { 'palisade.router.budget.decision': 'refused' })).toBe(
      0,
    );
    const available = router.stats().retryLimiter?.available ?? Number.NaN;
    expect(Number.isFinite(available)).toBe(true);
    expect(await telemetry.value('palisade.router.budget.available', NAME)).toBe(available);
    expect(await telemetry.value('palisade.router.endpoint.outstanding', { 'palisade.router.endpoint': 'b' })).toBe(0);
    const latency = (router.endpointStats('b')?.latency ?? 0) / 1000;
    expect(latency).toBeGreaterThan(0.01);
    expect(await telemetry.value('palisade.router.endpoint.latency', { 'palisade.router.endpoint': 'b' })).toBe(
      latency,
    );
  });

  it('deadline_exceeded and no_endpoint count the calls that ended for those reasons', async () => {
    const { telemetry, router, clock } = setup({
      retry: false,
      timeout: 100,
      panicThreshold: 0,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    const hanging = settle(router.execute(() => new Promise(() => {})));
    await clock.advance(100);
    await hanging;
    expect(await telemetry.value('palisade.router.deadline_exceeded', NAME)).toBe(1);
    for (let i = 0; i < 3; i++) await settle(router.execute(() => Promise.reject(new Boom('down'))));
    await settle(router.execute(() => 'never'));
    const refused = router.stats().noHealthyEndpoint;
    expect(refused).toBeGreaterThan(0);
    expect(await telemetry.value('palisade.router.no_endpoint', NAME)).toBe(refused);
  });

  it('with endpointAttribute: false, attempts are reported for the router as a whole', async () => {
    const { telemetry, run } = setup({ retry: false }, { endpointAttribute: false });
    await run();
    await run();
    expect(await telemetry.points('palisade.router.attempts')).toContainEqual({
      attributes: { ...NAME, 'palisade.router.outcome': 'success' },
      value: 2,
    });
    const keys = (await telemetry.collect()).flatMap((m) => m.dataPoints.flatMap((p) => Object.keys(p.attributes)));
    expect(keys).not.toContain('palisade.router.endpoint');
  });

  it('with durations: false, records no call duration and reports the rest', async () => {
    const { telemetry, run } = setup({ retry: false }, { durations: false });
    await run();
    expect(await telemetry.metric('palisade.router.call.duration')).toBeUndefined();
    expect(await telemetry.value('palisade.router.calls', { 'palisade.router.outcome': 'success' })).toBe(1);
  });

  it('stops when disposed', async () => {
    const { telemetry, handle, run } = setup({ retry: false });
    handle.dispose();
    await run();
    expect(await telemetry.collect()).toEqual([]);
  });

  it('throws typed errors for bad input', () => {
    expect(() => instrumentRouter({} as Router, { name: 'x' })).toThrow(InvalidArgumentError);
    const router = new Router({ endpoints: [{ id: 'a' }] });
    expect(() => instrumentRouter(router, { name: 'x', endpointAttribute: 'yes' as never })).toThrow(
      InvalidOptionError,
    );
    expect(() => instrumentRouter(router, { name: 'x', endpointAtribute: false } as never)).toThrow(
      /did you mean "endpointAttribute"/,
    );
    void router.close();
  });
});

describe('instrumentRouter: span events', () => {
  const tracing = testTracing();

  it('a retry and a hedge add events to the active span, with the endpoint and the error', async () => {
    const { down, run } = setup({ retry: { maxAttempts: 2, backoff: 10 } });
    down.add('a');
    const retried = await eventsWithin(tracing, run);
    expect(retried).toEqual([
      {
        name: 'palisade.router.retry',
        attributes: {
          ...NAME,
          'palisade.router.endpoint': 'a',
          'palisade.router.attempt': 2,
          'palisade.router.retry.delay': 0.01,
          'error.type': 'Boom',
        },
      },
    ]);
  });

  it('a hedge adds palisade.router.hedge', async () => {
    const { run } = setup({
      hedge: { delay: 50 },
      endpoints: [
        { id: 'slow', data: 500 },
        { id: 'fast', data: 20 },
      ],
    });
    expect(await eventsWithin(tracing, run)).toEqual([
      {
        name: 'palisade.router.hedge',
        attributes: { ...NAME, 'palisade.router.endpoint': 'fast', 'palisade.router.attempt': 2 },
      },
    ]);
  });

  it('a refused retry adds palisade.router.budget_exhausted, and budget.used counts the refusal', async () => {
    const { telemetry, down, run } = setup({ budget: new RetryBudget({ percentCanRetry: 0, minRetriesPerSecond: 0 }) });
    down.add('a');
    const events = await eventsWithin(tracing, run);
    expect(events).toEqual([
      { name: 'palisade.router.budget_exhausted', attributes: { ...NAME, 'palisade.router.budget.refused': 'retry' } },
    ]);
    expect(await telemetry.value('palisade.router.budget.used', { 'palisade.router.budget.decision': 'refused' })).toBe(
      1,
    );
  });

  it('an ejection caused by a call in the span adds palisade.router.eject', async () => {
    const { down, run } = setup({
      retry: false,
      outlierDetection: { consecutiveFailures: 1, baseEjectionTime: 5_000 },
    });
    down.add('a');
    const events = await eventsWithin(tracing, run);
    expect(events).toEqual([
      {
        name: 'palisade.router.eject',
        attributes: {
          ...NAME,
          'palisade.router.endpoint': 'a',
          'palisade.router.ejection.duration': 5,
          'palisade.router.ejection.level': 1,
        },
      },
    ]);
  });

  it('adds nothing with traceEvents: false', async () => {
    const { down, run } = setup({ retry: { maxAttempts: 2 } }, { traceEvents: false });
    down.add('a');
    expect(await eventsWithin(tracing, run)).toEqual([]);
  });
});

describe('instrumentRouter and the context manager', () => {
  it('never enters a context itself, which would switch on the promise hooks of AsyncLocalStorage for every promise in the process', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    const entered = vi.spyOn(manager, 'with');
    context.setGlobalContextManager(manager);
    try {
      setup();
      setup({}, { durations: false });
      expect(entered).not.toHaveBeenCalled();
    } finally {
      context.disable();
    }
  });

  it('adds span events once a context manager is registered, though it came after instrumentRouter', async () => {
    const { down, run } = setup({ retry: { maxAttempts: 2, backoff: 10 } });
    down.add('a');
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const tracing = { tracer: () => tracer, finished: () => exporter.getFinishedSpans() };
      const events = await eventsWithin(tracing, run);
      expect(events.map((event) => event.name)).toEqual(['palisade.router.retry']);
    } finally {
      context.disable();
    }
  });
});
