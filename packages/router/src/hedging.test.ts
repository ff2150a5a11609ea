import { CancelledError, InvalidOptionError, seededRandom, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import type { HedgeOptions, RouterOptions } from './options.js';
import { RetryBudget } from './retry-budget.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

/** Endpoints answer after the latency their id names ('slow' 500 ms, the rest 20 ms); they honour the signal. */
function setup(options: RouterOptions<number> = {}) {
  const clock = new VirtualClock();
  const router = new Router<number>({
    clock,
    random: seededRandom(8),
    endpoints: [
      { id: 'slow', data: 500 },
      { id: 'fast', data: 20 },
    ],
    balancer: 'round-robin',
    ...options,
  });
  const aborted: string[] = [];
  const started: string[] = [];
  const respond = (fail = () => false) =>
    router.execute((endpoint, signal) => {
      started.push(`${clock.now()} ${endpoint.id}`);
      return new Promise<string>((resolve, reject) => {
        const timer = clock.setTimeout(
          () => (fail() ? reject(new Boom(endpoint.id)) : resolve(endpoint.id)),
          endpoint.data,
        );
        signal.addEventListener('abort', () => {
          aborted.push(`${clock.now()} ${endpoint.id} ${(signal.reason as Error).name}`);
          clock.clearTimeout(timer);
          reject(signal.reason);
        });
      });
    });
  return { clock, router, respond, aborted, started };
}

const hedge = (options: HedgeOptions): RouterOptions<number> => ({ hedge: options });

describe('hedging', () => {
  it('after the delay, starts a second attempt elsewhere; the first to succeed wins and the other is aborted', async () => {
    const { clock, router, respond, aborted, started } = setup(hedge({ delay: 50 }));
    const kinds: string[] = [];
    router.onAttempt(({ endpoint, kind }) => kinds.push(`${endpoint.id} ${kind}`));
    let settledAt = -1;
    const call = respond().finally(() => {
      settledAt = clock.now();
    });
    await clock.runAll();
    expect(await call).toBe('fast');
    expect(settledAt).toBe(70);
    expect(started).toEqual(['0 slow', '50 fast']);
    expect(kinds).toEqual(['slow first', 'fast hedge']);
    expect(aborted).toEqual(['70 slow CancelledError']);
    expect(router.stats()).toMatchObject({ hedges: 1, hedgeWins: 1, successes: 1 });
    // The loser was abandoned, not failed: its endpoint is not blamed.
    expect(router.endpointStats('slow')).toMatchObject({ failures: 0, successes: 0, outstanding: 0 });
  });

  it('onHedge tells each hedge as it starts: where it goes, its attempt number, the call’s hedges so far', async () => {
    const { clock, router, respond } = setup(hedge({ delay: 50, maxHedges: 2 }));
    const hedges: string[] = [];
    router.onHedge(({ endpoint, attempt, hedges: count }) =>
      hedges.push(`${clock.now()} ${endpoint.id} #${attempt} (${count})`),
    );
    const call = respond();
    await clock.runAll();
    await call;
    expect(hedges).toEqual(['50 fast #2 (1)']);
  });

  it('does not hedge a call that finishes before the delay', async () => {
    const { clock, router, respond, started } = setup({
      ...hedge({ delay: 50 }),
      endpoints: [
        { id: 'one', data: 20 },
        { id: 'two', data: 20 },
      ],
    });
    for (let i = 0; i < 10; i++) {
      const call = respond();
      await clock.advance(20);
      await call;
    }
    expect(started).toHaveLength(10);
    expect(router.stats().hedges).toBe(0);
    // Nothing is left behind: the hedge timers were cleared with their calls.
    await clock.advance(1_000);
    expect(started).toHaveLength(10);
  });

  it('sends the next hedge at once when an attempt fails while another is in flight (gRPC)', async () => {
    const { clock, router, respond, started } = setup({
      hedge: { delay: 100, maxHedges: 2 },
      endpoints: [
        { id: 'a', data: 300 },
        { id: 'b', data: 30 },
        { id: 'c', data: 30 },
      ],
    });
    let n = 0;
    const call = respond(() => ++n === 1);
    await clock.runAll();
    // a at 0; the hedge at 100 fails at 130, and the next hedge goes at once instead of at 200.
    expect(started.map((each) => each.split(' ')[0])).toEqual(['0', '100', '130']);
    expect(started[0]).toBe('0 a');
    expect(await call).toBe(started[2]?.split(' ')[1]);
    expect(router.stats()).toMatchObject({ hedges: 2, retries: 0 });
  });

  it('hedges by percentile once it has seen enough calls: only the slow tail is hedged', async () => {
    const clock = new VirtualClock();
    const random = seededRandom(3);
    const router = new Router({
      clock,
      random,
      endpoints: ['a', 'b', 'c'].map((id) => ({ id })),
      hedge: { percentile: 0.9 },
    });
    let calls = 0;
    const call = () =>
      router.execute((_endpoint, signal) => {
        const latency = calls++ % 20 === 19 ? 1_000 : 10 + (calls % 5);
        return new Promise<number>((resolve, reject) => {
          const timer = clock.setTimeout(() => resolve(latency), latency);
          signal.addEventListener('abort', () => {
            clock.clearTimeout(timer);
            reject(signal.reason);
          });
        });
      });
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = clock.now();
      const pending = call();
      await clock.advance(1_000);
      await pending;
      latencies.push(clock.now() - started);
    }
    const stats = router.stats();
    expect(stats.hedges).toBeGreaterThan(5);
    expect(stats.hedges).toBeLessThan(40);
    // Before 20 samples nothing is hedged, so the first slow call waits its full second.
    expect(stats.hedgeWins).toBeGreaterThan(5);
  });

  it('draws hedges from the retry budget, and skips them when it is empty', async () => {
    const { clock, router, respond } = setup({
      ...hedge({ delay: 50 }),
      budget: new RetryBudget({ percentCanRetry: 0, minRetriesPerSecond: 0 }),
    });
    const refused: string[] = [];
    router.onBudgetExhausted(({ kind }) => refused.push(kind));
    const call = respond();
    await clock.runAll();
    expect(await call).toBe('slow');
    expect(refused).toEqual(['hedge']);
    expect(router.stats().hedges).toBe(0);
  });

  it('can be set per call, or turned off per call', async () => {
    const { clock, router, respond, started } = setup();
    const hedged = router.execute(
      (endpoint, signal) =>
        new Promise<string>((resolve, reject) => {
          const timer = clock.setTimeout(() => resolve(endpoint.id), endpoint.data);
          signal.addEventListener('abort', () => {
            clock.clearTimeout(timer);
            reject(signal.reason);
          });
        }),
      { hedge: { delay: 10 } },
    );
    await clock.runAll();
    expect(await hedged).toBe('fast');
    const hedgedRouter = setup(hedge({ delay: 10 }));
    const plain = hedgedRouter.router.execute(() => 'no hedge', { hedge: false });
    expect(await plain).toBe('no hedge');
    expect(hedgedRouter.router.stats().hedges).toBe(0);
    expect(started).toEqual([]);
    void respond;
  });

  it('aborts every attempt when the call’s deadline passes during a hedge', async () => {
    const { clock, respond, aborted } = setup({ ...hedge({ delay: 50 }), timeout: 60 });
    const outcome = settle(respond());
    await clock.runAll();
    expect(((await outcome) as { error: Error }).error.name).toBe('CallDeadlineExceededError');
    expect(aborted).toEqual(['60 slow DeadlineExceededError', '60 fast DeadlineExceededError']);
  });

  it('validates its options', () => {
    expect(() => new Router({ hedge: {} })).toThrow(InvalidOptionError);
    expect(() => new Router({ hedge: { delay: 10, percentile: 0.9 } })).toThrow('"hedge"');
    expect(() => new Router({ hedge: { percentile: 1 } })).toThrow('"hedge.percentile"');
    expect(() => new Router({ hedge: { delay: 10, maxHedges: 0 } })).toThrow('"hedge.maxHedges"');
    expect(new CancelledError()).toBeInstanceOf(Error);
  });
});
