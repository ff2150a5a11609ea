import { seededRandom, VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import type { RouterOptions } from './options.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

const five = ['a', 'b', 'c', 'd', 'e'];

function setup(options: RouterOptions = {}, ids = five) {
  const clock = new VirtualClock();
  const router = new Router({
    clock,
    random: seededRandom(11),
    endpoints: ids.map((id) => ({ id })),
    retry: false,
    ...options,
  });
  const down = new Set<string>();
  const events: string[] = [];
  router.onEject(({ endpoint, duration, level, afterProbe }) =>
    events.push(`${clock.now()} eject ${endpoint.id} ${duration} level ${level}${afterProbe ? ' after probe' : ''}`),
  );
  router.onProbe(({ endpoint }) => events.push(`${clock.now()} probe ${endpoint.id}`));
  router.onReturn(({ endpoint }) => events.push(`${clock.now()} return ${endpoint.id}`));
  router.onEjectionBlocked(({ endpoint, ejected }) =>
    events.push(`${clock.now()} blocked ${endpoint.id} (${ejected} ejected)`),
  );
  const call = () =>
    settle(
      router.execute((endpoint) => {
        if (down.has(endpoint.id)) throw new Boom(`${endpoint.id} down`);
        return endpoint.id;
      }),
    );
  /** `count` calls, one per `gap` ms. */
  const load = async (count: number, gap = 10) => {
    for (let i = 0; i < count; i++) {
      await call();
      await clock.advance(gap);
    }
  };
  /** Calls, one per `gap` ms, until `done()` (at most 1,000). */
  const loadUntil = async (done: () => boolean, gap = 10) => {
    for (let i = 0; i < 1_000 && !done(); i++) {
      await call();
      await clock.advance(gap);
    }
    expect(done()).toBe(true);
  };
  return { clock, router, down, events, call, load, loadUntil };
}

describe('outlier ejection on per-endpoint breakers', () => {
  it('ejects an endpoint after 5 failures in a row (Envoy’s consecutive_5xx) for 30 s (base_ejection_time)', async () => {
    const { router, down, events, load } = setup();
    down.add('c');
    await load(100);
    expect(router.endpointStats('c')).toMatchObject({
      status: 'ejected',
      breaker: CircuitState.Open,
      failures: 5,
      ejections: 1,
      ejectionLevel: 1,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^\d+ eject c 30000 level 1$/);
    const traffic = router.stats().endpoints.filter((e) => e.id !== 'c');
    expect(traffic.reduce((sum, e) => sum + e.attempts, 0)).toBe(95);
  });

  it('after the ejection, one probe decides: a success returns it to rotation', async () => {
    const { clock, router, down, events, load, loadUntil } = setup();
    down.add('c');
    await loadUntil(() => router.endpointStats('c')?.status === 'ejected');
    down.delete('c');
    await clock.advance(30_000);
    await load(100);
    expect(events.map((e) => e.replace(/^\d+ /, ''))).toEqual(['eject c 30000 level 1', 'probe c', 'return c']);
    expect(router.endpointStats('c')).toMatchObject({ status: 'healthy', breaker: CircuitState.Closed });
    expect(router.endpointStats('c')?.successes).toBeGreaterThan(5);
  });

  it('re-ejects at once on a failed probe, each time for longer (n × 30 s), capped at 300 s', async () => {
    const { clock, down, events, loadUntil } = setup();
    down.add('c');
    const ejections = () => events.filter((e) => e.includes('eject')).length;
    for (let round = 1; round <= 13; round++) {
      await loadUntil(() => ejections() === round);
      await clock.advance(300_000);
    }
    const durations = events.filter((e) => e.includes('eject')).map((e) => Number(e.split(' ')[3]));
    expect(durations).toEqual([
      30_000, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000, 270_000, 300_000, 300_000, 300_000, 300_000,
    ]);
    expect(events.filter((e) => e.includes('after probe'))).toHaveLength(12);
  });

  it('forgives slowly: each 10 s (Envoy’s interval) back in rotation takes one off the multiplier', async () => {
    const { clock, router, down, loadUntil } = setup();
    const c = () => router.endpointStats('c');
    down.add('c');
    await loadUntil(() => c()?.ejections === 1);
    await clock.advance(30_000);
    await loadUntil(() => c()?.ejections === 2);
    expect(c()).toMatchObject({ ejectionLevel: 2 });
    await clock.advance(60_000);
    down.delete('c');
    await loadUntil(() => c()?.status === 'healthy');
    // 15 s in rotation is one whole interval: the multiplier goes from 2 to 1, so the next ejection is 2 × 30 s.
    await clock.advance(15_000);
    down.add('c');
    await loadUntil(() => c()?.ejections === 3);
    expect(c()).toMatchObject({ status: 'ejected', ejectionLevel: 2 });
    expect(c()?.ejectedFor).toBeGreaterThan(59_000);
    expect(c()?.ejectedFor).toBeLessThanOrEqual(60_000);
  });

  it('ejects on the failure rate: 85% of 50 attempts in 10 s, though never 5 in a row', async () => {
    const { router, load } = setup({ outlierDetection: { consecutiveFailures: Number.POSITIVE_INFINITY } }, ['a', 'b']);
    let n = 0;
    router.add({ id: 'flaky' });
    const flakyLoad = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await settle(
          router.execute((endpoint) => {
            if (endpoint.id === 'flaky' && ++n % 10 !== 0) throw new Boom('mostly down');
            return endpoint.id;
          }),
        );
      }
    };
    await flakyLoad(40);
    expect(router.endpointStats('flaky')?.status).toBe('healthy');
    await load(0);
    await flakyLoad(200);
    expect(router.endpointStats('flaky')).toMatchObject({ status: 'ejected', ejections: 1 });
    expect(router.endpointStats('flaky')?.attempts).toBeGreaterThanOrEqual(50);
  });

  it('ejects at most maxEjectionPercent (Envoy’s 10%: one of five), and the others stay in rotation', async () => {
    const { router, down, events, load } = setup({ outlierDetection: { maxEjectionPercent: 10 } });
    down.add('b');
    down.add('d');
    await load(200);
    const ejected = router.stats().endpoints.filter((e) => e.status === 'ejected');
    expect(ejected).toHaveLength(1);
    expect(events.filter((e) => e.includes('blocked')).length).toBeGreaterThan(0);
    const other = ejected[0]?.id === 'b' ? 'd' : 'b';
    expect(router.endpointStats(other)).toMatchObject({ status: 'healthy', breaker: CircuitState.Closed });
    // Blocked, it stays in rotation, but P2C passes it over for 5 s (FAILURE_PENALTY) after each blocked
    // ejection: the five failures that tripped it, and no more in the two seconds that follow.
    expect(events.filter((e) => e.includes('blocked'))).toHaveLength(1);
    expect(router.endpointStats(other)?.failures).toBe(5);
  });

  it('ejects every endpoint that fails by default (maxEjectionPercent 100), as Linkerd and Finagle do', async () => {
    const { router, down, load } = setup();
    down.add('b');
    down.add('d');
    await load(200);
    expect(
      router
        .stats()
        .endpoints.filter((e) => e.status === 'ejected')
        .map((e) => e.id),
    ).toEqual(['b', 'd']);
  });

  it('panics when too few endpoints are healthy (Envoy’s 50%): calls go to ejected endpoints that answer again', async () => {
    const { clock, router, down, load } = setup();
    const panics: string[] = [];
    router.onPanic(({ priority, panic }) => panics.push(`${priority} ${panic}`));
    const panicAttempts = new Map<string, number>();
    router.onAttempt(({ endpoint, panic }) => {
      if (panic) panicAttempts.set(endpoint.id, (panicAttempts.get(endpoint.id) ?? 0) + 1);
    });
    down.add('a');
    down.add('b');
    down.add('c');
    await load(300);
    expect(router.stats().tiers).toEqual([{ priority: 0, endpoints: 5, healthy: 2, load: 100, panic: true }]);
    expect(panics).toEqual(['0 true']);
    // Ejected endpoints that keep failing get a call only when five pairs of draws find no other.
    const stillFailing = () => (panicAttempts.get('a') ?? 0) + (panicAttempts.get('b') ?? 0);
    expect(stillFailing()).toBeLessThan(5);
    // c answers again while still ejected (a false alarm, or it recovered): panic gives it its share at once,
    // rather than leave two endpoints to take everything.
    down.delete('c');
    await clock.advance(5_000);
    const before = stillFailing();
    await load(300);
    expect(router.endpointStats('c')?.status).toBe('ejected');
    expect(panicAttempts.get('c')).toBeGreaterThan(40);
    expect(stillFailing() - before).toBeLessThan(5);
    down.clear();
    await load(1, 300_000);
    await load(100);
    expect(panics).toEqual(['0 true', '0 false']);
  });

  describe('a probe that ends without an answer gives its slot back (issue 12)', () => {
    function probeSetup(options: RouterOptions = {}) {
      const clock = new VirtualClock();
      const router = new Router({
        clock,
        random: seededRandom(1),
        retry: { backoff: 0 },
        endpoints: [{ id: 'a' }, { id: 'b' }],
        outlierDetection: { consecutiveFailures: 1, baseEjectionTime: 1_000 },
        ...options,
      });
      const answer = (endpoint: { id: string }, signal: AbortSignal, hang = false) =>
        new Promise<string>((resolve, reject) => {
          const timer = hang ? undefined : clock.setTimeout(() => resolve(endpoint.id), 10);
          signal.addEventListener('abort', () => {
            if (timer !== undefined) clock.clearTimeout(timer);
            reject(signal.reason);
          });
        });
      const failOnce = async () => {
        let failed = false;
        for (let i = 0; i < 100 && !failed; i++) {
          const call = router.execute((endpoint, signal) => {
            if (endpoint.id !== 'a') return answer(endpoint, signal);
            failed = true;
            return Promise.reject(new Boom('a down'));
          });
          await clock.advance(10);
          await call;
        }
        expect(router.endpointStats('a')?.status).toBe('ejected');
      };
      /** Ten minutes of healthy calls, one every 100 ms. */
      const healthyCalls = async () => {
        for (let i = 0; i < 6_000; i++) {
          const call = router.execute((endpoint, signal) => answer(endpoint, signal));
          await clock.advance(100);
          await call;
        }
      };
      return { clock, router, answer, failOnce, healthyCalls };
    }

    it('when its caller cancels it', async () => {
      const { clock, router, answer, failOnce, healthyCalls } = probeSetup();
      await failOnce();
      await clock.advance(1_000);
      // Calls that hang until their caller gives up; the one the probe goes to is remembered.
      const callers: AbortController[] = [];
      let probeCaller: AbortController | undefined;
      router.onProbe(() => {
        probeCaller = callers.at(-1);
      });
      for (let i = 0; i < 100 && probeCaller === undefined; i++) {
        const caller = new AbortController();
        callers.push(caller);
        void settle(router.execute((endpoint, signal) => answer(endpoint, signal, true), caller.signal));
        await clock.advance(1);
      }
      expect(router.endpointStats('a')?.status).toBe('probing');
      probeCaller?.abort('caller gave up');
      await healthyCalls();
      expect(router.endpointStats('a')).toMatchObject({ status: 'healthy', breaker: CircuitState.Closed });
      expect(router.endpointStats('a')?.successes).toBeGreaterThan(100);
    });

    it('when it loses to a hedge', async () => {
      const { clock, router, answer, failOnce, healthyCalls } = probeSetup({ hedge: { delay: 5 } });
      await failOnce();
      await clock.advance(1_000);
      let probes = 0;
      router.onProbe(() => probes++);
      // The probe hangs; the hedge on the other endpoint wins after 5 + 10 ms and aborts it.
      for (let i = 0; i < 100 && probes === 0; i++) {
        const call = router.execute((endpoint, signal) => answer(endpoint, signal, endpoint.id === 'a'));
        await clock.advance(20);
        expect(await call).toBe('b');
      }
      expect(probes).toBe(1);
      await healthyCalls();
      expect(router.endpointStats('a')).toMatchObject({ status: 'healthy', breaker: CircuitState.Closed });
      expect(router.stats().hedgeWins).toBe(1);
    });
  });

  it('with outlierDetection off, never ejects', async () => {
    const { router, down, load } = setup({ outlierDetection: false });
    down.add('c');
    await load(100);
    expect(router.endpointStats('c')).toMatchObject({ status: 'healthy', breaker: undefined, ejections: 0 });
    expect(router.breaker('c')).toBeUndefined();
  });

  it('the breaker is the real one: isolate() takes an endpoint out by hand, dispose() brings it back', async () => {
    const { router, load } = setup();
    const handle = router.breaker('e')?.isolate();
    const before = router.endpointStats('e')?.attempts;
    await load(50);
    expect(router.endpointStats('e')?.attempts).toBe(before);
    handle?.dispose();
    await load(50);
    expect(router.endpointStats('e')?.attempts).toBeGreaterThan(0);
  });
});
