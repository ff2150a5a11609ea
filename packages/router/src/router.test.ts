import { getEventListeners } from 'node:events';
import {
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  seededRandom,
  VirtualClock,
} from '@palisade/core';
import { ConstantBackoff, handleType, handleWhenResult, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from './endpoint.js';
import {
  AttemptTimeoutError,
  CallDeadlineExceededError,
  EmptyEndpointSetError,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
  RouterClosedError,
} from './errors.js';
import type { RouterOptions } from './options.js';
import { RetryBudget } from './retry-budget.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';
import { TokenRetryThrottle } from './token-throttle.js';

const ids = ['a', 'b', 'c'];

function setup(options: RouterOptions<string> = {}) {
  const clock = new VirtualClock();
  const router = new Router<string>({
    clock,
    random: seededRandom(7),
    endpoints: ids.map((id) => ({ id, data: `https://${id}.example` })),
    retry: { backoff: 0 },
    ...options,
  });
  return { clock, router };
}

/** A promise that settles after `ms` on the clock, or rejects with the signal's reason. */
function after<T>(clock: VirtualClock, ms: number, value: () => T, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      try {
        resolve(value());
      } catch (error) {
        reject(error);
      }
    }, ms);
    signal?.addEventListener('abort', () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

describe('execute', () => {
  it('runs the function on an endpoint and returns its result', async () => {
    const { router } = setup();
    const seen: [Endpoint<string>, AbortSignal, number][] = [];
    const result = await router.execute(async (endpoint, signal, attempt) => {
      seen.push([endpoint, signal, attempt]);
      return `${endpoint.data}/users`;
    });
    expect(seen).toHaveLength(1);
    const [endpoint, signal, attempt] = seen[0] as [Endpoint<string>, AbortSignal, number];
    expect(result).toBe(`${endpoint.data}/users`);
    expect(endpoint).toMatchObject({ weight: 1, priority: 0, zone: undefined });
    expect(Object.isFrozen(endpoint)).toBe(true);
    expect(signal.aborted).toBe(false);
    expect(attempt).toBe(1);
  });

  it('returns a value returned synchronously, and retries a synchronous throw like a rejection', async () => {
    const { router } = setup();
    expect(await router.execute(() => 42)).toBe(42);
    let calls = 0;
    const value = await router.execute(() => {
      if (++calls === 1) throw new Boom('sync');
      return 'second';
    });
    expect([value, calls]).toEqual(['second', 2]);
  });

  it('retries a failure on an endpoint it has not tried, and reports the retry', async () => {
    const { router } = setup();
    const retries: string[] = [];
    router.onRetry(({ endpoint, attempt, reason }) =>
      retries.push(`${endpoint.id} → attempt ${attempt}: ${(reason as { error: Error }).error.message}`),
    );
    const tried: string[] = [];
    const result = await router.execute((endpoint) => {
      tried.push(endpoint.id);
      if (tried.length < 3) throw new Boom(`${endpoint.id} down`);
      return endpoint.id;
    });
    expect(new Set(tried).size).toBe(3);
    expect(result).toBe(tried[2]);
    expect(retries).toEqual([`${tried[0]} → attempt 2: ${tried[0]} down`, `${tried[1]} → attempt 3: ${tried[1]} down`]);
  });

  it('gives up after maxAttempts with the last error itself', async () => {
    const { router } = setup({ retry: { maxAttempts: 2, backoff: 0 } });
    const errors = [new Boom('first'), new Boom('second'), new Boom('third')];
    let calls = 0;
    const outcome = await settle(router.execute(() => Promise.reject(errors[calls++])));
    expect(outcome).toEqual({ error: errors[1] });
    expect(calls).toBe(2);
  });

  it('does not retry an error that handle does not select: the endpoint answered', async () => {
    class NotFound extends Error {}
    const { router } = setup({ handle: handleType(Boom) });
    let calls = 0;
    const error = new NotFound('404');
    const outcome = await settle(
      router.execute(() => {
        calls++;
        return Promise.reject(error);
      }),
    );
    expect(outcome).toEqual({ error });
    expect(calls).toBe(1);
    expect(router.stats().endpoints.reduce((sum, e) => sum + e.successes, 0)).toBe(1);
  });

  it('counts but does not retry failures that retry.handle leaves out', async () => {
    class Unsafe extends Boom {}
    const { router } = setup({ retry: { backoff: 0, handle: handleType(Boom, (e) => !(e instanceof Unsafe)) } });
    let calls = 0;
    await settle(
      router.execute(() => {
        calls++;
        throw new Unsafe('not idempotent');
      }),
    );
    expect(calls).toBe(1);
    expect(router.stats().endpoints.reduce((sum, e) => sum + e.failures, 0)).toBe(1);
  });

  it('retries results that handle selects, and returns the last one when none does better', async () => {
    const { router } = setup({ handle: handleWhenResult((r) => (r as { status: number }).status >= 500) });
    const statuses = [503, 200];
    let calls = 0;
    expect(await router.execute(() => ({ status: statuses[calls++] }))).toEqual({ status: 200 });
    const failing = await router.execute((endpoint) => ({ status: 502, from: endpoint.id }));
    expect(failing.status).toBe(502);
    expect(router.stats()).toMatchObject({ calls: 2, successes: 1, failures: 1 });
  });

  it('with retries off (for the router, or one call), makes one attempt', async () => {
    const { router } = setup();
    let calls = 0;
    await settle(router.execute(() => Promise.reject(new Boom(String(calls++))), { retry: false }));
    expect(calls).toBe(1);
    const noRetries = setup({ retry: false }).router;
    await settle(noRetries.execute(() => Promise.reject(new Boom(String(calls++)))));
    expect(calls).toBe(2);
  });

  it('waits the backoff on the clock between attempts', async () => {
    const { clock, router } = setup({ retry: { backoff: new ConstantBackoff(100) } });
    const startedAt: number[] = [];
    const call = router.execute(() => {
      startedAt.push(clock.now());
      if (startedAt.length < 3) throw new Boom('again');
      return 'ok';
    });
    await clock.runAll();
    expect(await call).toBe('ok');
    expect(startedAt).toEqual([0, 100, 200]);
  });

  it('honours a server’s retry-after hint, and does not retry past the deadline for it', async () => {
    const { clock, router } = setup({ timeout: 1_000 });
    const startedAt: number[] = [];
    const call = router.execute(() => {
      startedAt.push(clock.now());
      if (startedAt.length === 1) throw Object.assign(new Boom('slow down'), { retryAfter: 400 });
      return 'ok';
    });
    await clock.runAll();
    expect(await call).toBe('ok');
    expect(startedAt).toEqual([0, 400]);

    const tooLate = Object.assign(new Boom('come back in an hour'), { retryAfter: 3_600_000 });
    let calls = 0;
    const outcome = settle(
      router.execute(() => {
        calls++;
        throw tooLate;
      }),
    );
    await clock.runAll();
    expect(await outcome).toEqual({ error: tooLate });
    expect(calls).toBe(1);
  });
});

describe('deadlines', () => {
  it('settles by the deadline when the function never settles, and aborts its signal', async () => {
    const { clock, router } = setup({ timeout: 250 });
    let signal: AbortSignal | undefined;
    const call = settle(
      router.execute((_endpoint, attemptSignal) => {
        signal = attemptSignal;
        return new Promise<never>(() => {});
      }),
    );
    await clock.advance(249);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    const outcome = await call;
    expect(clock.now()).toBe(250);
    const error = (outcome as { error: CallDeadlineExceededError }).error;
    expect(error).toBeInstanceOf(CallDeadlineExceededError);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error.code).toBe('ERR_PALISADE_DEADLINE_EXCEEDED');
    expect(error.timeout).toBe(250);
    expect(error.attempts).toEqual([
      {
        endpoint: expect.any(String),
        attempt: 1,
        kind: 'first',
        outcome: 'abandoned',
        error: expect.any(DeadlineExceededError),
        startedAt: 0,
        duration: 250,
      },
    ]);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it('settles by the deadline when the function ignores its signal and finishes later', async () => {
    const { clock, router } = setup({ timeout: 100 });
    const call = settle(router.execute(() => after(clock, 5_000, () => 'too late')));
    await clock.advance(100);
    expect(((await call) as { error: unknown }).error).toBeInstanceOf(CallDeadlineExceededError);
    await clock.runAll();
    expect(router.stats().inFlight).toBe(0);
  });

  it('retries an attempt that outlives attemptTimeout on another endpoint', async () => {
    const { clock, router } = setup({ attemptTimeout: 50, timeout: 1_000 });
    const signals: AbortSignal[] = [];
    let settledAt = -1;
    const call = router
      .execute((endpoint, signal) => {
        signals.push(signal);
        return signals.length === 1 ? new Promise<never>(() => {}) : after(clock, 10, () => endpoint.id, signal);
      })
      .finally(() => {
        settledAt = clock.now();
      });
    await clock.runAll();
    expect(typeof (await call)).toBe('string');
    expect(settledAt).toBe(60);
    expect(signals[0]?.reason).toBeInstanceOf(AttemptTimeoutError);
    expect(signals[1]?.aborted).toBe(false);
  });

  it('rejects with AttemptTimeoutError listing the attempts when the last one ran past attemptTimeout (issue 12)', async () => {
    const { clock, router } = setup({ attemptTimeout: 50, timeout: 1_000 });
    let settledAt = -1;
    const call = settle(router.execute(() => new Promise<never>(() => {})).finally(() => (settledAt = clock.now())));
    await clock.runAll();
    const { error } = (await call) as { error: AttemptTimeoutError };
    expect(settledAt).toBe(150);
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error).not.toBeInstanceOf(DeadlineExceededError);
    expect(error.code).toBe('ERR_PALISADE_ROUTER_ATTEMPT_TIMEOUT');
    expect(error.timeout).toBe(50);
    expect(error.endpoint).toBe(error.attempts[2]?.endpoint);
    expect(error.attempts.map(({ outcome, startedAt, duration }) => [outcome, startedAt, duration])).toEqual([
      ['timed-out', 0, 50],
      ['timed-out', 50, 50],
      ['timed-out', 100, 50],
    ]);
    expect(error.attempts.every((attempt) => attempt.error instanceof AttemptTimeoutError)).toBe(true);
    expect(error.message).toContain('attemptTimeout of 50 ms');
  });

  it("does not charge the caller's deadline to the endpoints: the attempt it cuts off is abandoned (issue 12)", async () => {
    const throttle = new TokenRetryThrottle();
    const { clock, router } = setup({
      outlierDetection: { maxEjectionPercent: 100 },
      panicThreshold: 0,
      budget: throttle,
    });
    const settled: string[] = [];
    router.onAttemptSettled(({ outcome }) => settled.push(outcome));
    const answer = (endpoint: Endpoint<string>, signal: AbortSignal) => after(clock, 10, () => endpoint.id, signal);
    for (let i = 0; i < 20; i++) {
      const call = settle(router.execute(answer, { timeout: 5 }));
      await clock.advance(5);
      const { error } = (await call) as { error: CallDeadlineExceededError };
      expect(error).toBeInstanceOf(CallDeadlineExceededError);
      expect(error.attempts.map((attempt) => attempt.outcome)).toEqual(['abandoned']);
    }
    expect(new Set(settled)).toEqual(new Set(['abandoned']));
    const stats = router.stats();
    expect(stats.endpoints.map(({ status, failures }) => `${status} ${failures}`)).toEqual([
      'healthy 0',
      'healthy 0',
      'healthy 0',
    ]);
    expect(stats.retryLimiter?.tokens).toBe(10);
    const ordinary = router.execute(answer);
    await clock.advance(10);
    expect(ids).toContain(await ordinary);
  });

  it('counts an attempt that the deadline cuts off at its own attemptTimeout as timed out', async () => {
    const { clock, router } = setup({ attemptTimeout: 100, timeout: 300, balancer: 'round-robin' });
    const call = settle(router.execute(() => new Promise<never>(() => {})));
    await clock.advance(300);
    const { error } = (await call) as { error: CallDeadlineExceededError };
    expect(error).toBeInstanceOf(CallDeadlineExceededError);
    expect(error.attempts.map(({ outcome, duration }) => `${outcome} ${duration}`)).toEqual([
      'timed-out 100',
      'timed-out 100',
      'timed-out 100',
    ]);
    expect(router.stats().endpoints.map((endpoint) => endpoint.failures)).toEqual([1, 1, 1]);
  });

  it('gives per-call timeouts precedence and validates them', async () => {
    const { clock, router } = setup({ timeout: 10_000 });
    const call = settle(router.execute(() => new Promise<never>(() => {}), { timeout: 30 }));
    await clock.advance(30);
    expect(((await call) as { error: CallDeadlineExceededError }).error.timeout).toBe(30);
    expect(() => router.execute(() => 1, { timeout: -5 })).toThrow(InvalidArgumentError);
    expect(() => router.execute(() => 1, { attemptTimeout: Number.NaN })).toThrow('"options.attemptTimeout"');
  });

  it('without a deadline (timeout: Infinity) sets no timer', async () => {
    const { clock, router } = setup({ timeout: Number.POSITIVE_INFINITY });
    expect(await router.execute(async () => 'ok')).toBe('ok');
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('cancellation', () => {
  it('rejects at once when the caller aborts, aborts the attempt, and does not count it against the endpoint', async () => {
    const { clock, router } = setup();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const call = settle(
      router.execute(
        (_endpoint, attemptSignal) => {
          signal = attemptSignal;
          return new Promise<never>(() => {});
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    controller.abort('user left');
    const { error } = (await call) as { error: CancelledError };
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.cause).toBe('user left');
    expect(signal?.aborted).toBe(true);
    const stats = router.stats();
    expect(stats).toMatchObject({ cancelled: 1, inFlight: 0 });
    expect(stats.endpoints.every((e) => e.failures === 0 && e.outstanding === 0)).toBe(true);
  });

  it('takes the signal as the second argument too, and never calls the function when it has aborted', async () => {
    const { router } = setup();
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const outcome = await settle(router.execute(() => calls++, controller.signal));
    expect((outcome as { error: unknown }).error).toBeInstanceOf(CancelledError);
    expect(calls).toBe(0);
  });

  it('many calls can share one signal: it cancels those pending, with a single listener on it', async () => {
    const { clock, router } = setup({ retry: false });
    const shutdown = new AbortController();
    const done = await router.execute(async () => 'early', shutdown.signal);
    const pending = Array.from({ length: 50 }, () =>
      settle(router.execute(() => new Promise<never>(() => {}), { signal: shutdown.signal })),
    );
    await clock.advance(5);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    shutdown.abort('shutting down');
    const outcomes = await Promise.all(pending);
    expect(done).toBe('early');
    expect(outcomes.every((o) => 'error' in o && o.error instanceof CancelledError)).toBe(true);
    expect(router.stats()).toMatchObject({ cancelled: 50, inFlight: 0 });
  });
});

describe('typed failures', () => {
  it('an empty endpoint set rejects with EmptyEndpointSetError, never hangs', async () => {
    const router = new Router({ clock: new VirtualClock() });
    const outcome = await settle(router.execute(() => 1));
    const error = (outcome as { error: EmptyEndpointSetError }).error;
    expect(error).toBeInstanceOf(EmptyEndpointSetError);
    expect(error.code).toBe('ERR_PALISADE_ROUTER_NO_ENDPOINTS');
  });

  it('an exhausted budget rejects with RetryBudgetExhaustedError whose cause is the failure', async () => {
    const { router } = setup({ budget: new RetryBudget({ percentCanRetry: 0, minRetriesPerSecond: 0 }) });
    const refused: string[] = [];
    router.onBudgetExhausted(({ kind }) => refused.push(kind));
    const failure = new Boom('down');
    const { error } = (await settle(router.execute(() => Promise.reject(failure)))) as {
      error: RetryBudgetExhaustedError;
    };
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(error.code).toBe('ERR_PALISADE_ROUTER_BUDGET_EXHAUSTED');
    expect(error.cause).toBe(failure);
    expect(error.attempts).toHaveLength(1);
    expect(refused).toEqual(['retry']);
    expect(router.stats().budgetRefusals).toBe(1);
  });

  it('with every endpoint ejected and panic off, rejects with NoHealthyEndpointError listing each one', async () => {
    const { clock, router } = setup({
      panicThreshold: 0,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      retry: false,
    });
    for (let i = 0; i < 3; i++) await settle(router.execute(() => Promise.reject(new Boom('x'))));
    await clock.advance(1_000);
    const { error } = (await settle(router.execute(() => 1))) as { error: NoHealthyEndpointError };
    expect(error).toBeInstanceOf(NoHealthyEndpointError);
    expect(error.code).toBe('ERR_PALISADE_ROUTER_NO_HEALTHY_ENDPOINT');
    expect(error.endpoints).toEqual(ids.map((id) => ({ endpoint: id, reason: 'ejected', retryAfter: 29_000 })));
    expect(error.retryAfter).toBe(29_000);
    expect(error.message).toContain('a (ejected for 29000 ms more)');
    expect(router.stats().noHealthyEndpoint).toBe(1);
  });

  it('after close, rejects with RouterClosedError', async () => {
    const { router } = setup();
    await router.close();
    expect(((await settle(router.execute(() => 1))) as { error: unknown }).error).toBeInstanceOf(RouterClosedError);
  });

  it('throws InvalidArgumentError at the call site for a bad function or bad options', () => {
    const { router } = setup();
    expect(() => router.execute('fetch' as never)).toThrow(InvalidArgumentError);
    expect(() => router.execute(() => 1, { key: 5 as never })).toThrow('"options.key"');
    expect(() => router.execute(() => 1, { signal: {} as never })).toThrow('"options.signal"');
    expect(() => router.execute(() => 1, { retry: true as never })).toThrow('"options.retry"');
    expect(() => router.execute(() => 1, { hedge: { delay: -1 } })).toThrow('"options.hedge.delay"');
    expect(() => router.execute(() => 1, { hedge: {} })).toThrow('"options.hedge"');
    expect(() => router.execute(() => 1, 'now' as never)).toThrow('"options"');
  });
});

describe('robustness', () => {
  it('fails the call, rather than hanging, when a filter, a retry-after reader or a budget throws', async () => {
    const broken = new Error('bug in user code');
    const throwing = () => {
      throw broken;
    };
    const filters = setup({ handle: handleWhenResult(throwing) });
    expect(await settle(filters.router.execute(() => 'value'))).toEqual({ error: broken });
    const reader = setup({ retry: { backoff: 0, retryAfter: throwing } });
    expect(await settle(reader.router.execute(() => Promise.reject(new Boom('x'))))).toEqual({ error: broken });
    const budget = setup({
      budget: {
        onCall: () => {},
        onAttemptSettled: () => {},
        tryAcquire: throwing,
        stats: () => ({ kind: 'custom', available: 0, granted: 0, refused: 0 }),
      },
    });
    expect(await settle(budget.router.execute(() => Promise.reject(new Boom('x'))))).toEqual({ error: broken });
    const onCall = setup({
      budget: {
        onCall: throwing,
        onAttemptSettled: () => {},
        tryAcquire: () => true,
        stats: () => ({ kind: 'custom', available: 0, granted: 0, refused: 0 }),
      },
    });
    expect(await settle(onCall.router.execute(() => 1))).toEqual({ error: broken });
    for (const { router } of [filters, reader, budget, onCall]) {
      expect(router.stats()).toMatchObject({ inFlight: 0 });
      expect(router.stats().endpoints.every((endpoint) => endpoint.outstanding === 0)).toBe(true);
    }
  });

  it('survives a clock that steps backwards between the start and the end of an attempt', async () => {
    let time = 10_000;
    const clock = { now: () => time, setTimeout, clearTimeout } as never;
    const router = new Router({ clock, endpoints: [{ id: 'a' }] });
    const call = router.execute(() => {
      time -= 5_000;
      return Promise.resolve('ok');
    });
    expect(await call).toBe('ok');
    expect(router.endpointStats('a')).toMatchObject({ successes: 1, lastLatency: 0 });
  });

  it('reports a listener that throws and carries on', async () => {
    const { router } = setup();
    const reported: unknown[] = [];
    const original = (globalThis as { reportError?: unknown }).reportError;
    (globalThis as { reportError?: (error: unknown) => void }).reportError = (error) => reported.push(error);
    try {
      router.onAttempt(() => {
        throw new Error('listener bug');
      });
      expect(await router.execute(() => 'fine')).toBe('fine');
    } finally {
      (globalThis as { reportError?: unknown }).reportError = original;
    }
    expect(reported).toEqual([new Error('listener bug')]);
  });

  it('a listener that throws does not keep the listeners after it from hearing the event', async () => {
    const { router } = setup();
    const original = (globalThis as { reportError?: unknown }).reportError;
    (globalThis as { reportError?: (error: unknown) => void }).reportError = () => {};
    const heard: string[] = [];
    try {
      router.onAttempt(() => {
        throw new Error('listener bug');
      });
      router.onAttempt(({ endpoint }) => heard.push(`attempt ${endpoint.id}`));
      router.onSuccess(() => {
        throw new Error('listener bug');
      });
      router.onSuccess(() => heard.push('success'));
      await router.execute(() => 'fine');
    } finally {
      (globalThis as { reportError?: unknown }).reportError = original;
    }
    expect(heard).toEqual([expect.stringMatching(/^attempt [abc]$/), 'success']);
  });
});

describe('events and stats', () => {
  it('reports calls as cockatiel policies do, and attempts as they start and end', async () => {
    const { clock, router } = setup({ retry: { backoff: new ConstantBackoff(5) } });
    const log: string[] = [];
    router.onSuccess(({ duration }) => log.push(`success ${duration}`));
    router.onFailure(({ handled, duration }) => log.push(`failure ${handled} ${duration}`));
    router.onAttempt(({ attempt, kind }) => log.push(`attempt ${attempt} ${kind}`));
    router.onAttemptSettled(({ attempt, outcome, duration }) => log.push(`settled ${attempt} ${outcome} ${duration}`));
    let calls = 0;
    const call = router.execute(() =>
      after(clock, 10, () => {
        if (++calls === 1) throw new Boom('x');
        return 'ok';
      }),
    );
    await clock.runAll();
    await call;
    expect(log).toEqual([
      'attempt 1 first',
      'settled 1 failure 10',
      'attempt 2 retry',
      'settled 2 success 10',
      'success 25',
    ]);
  });

  it('keeps per-endpoint stats cheap and complete', async () => {
    const { clock, router } = setup({ statsWindow: 1_000, outlierDetection: false });
    for (let i = 0; i < 20; i++) {
      const call = router.execute((endpoint) =>
        after(clock, 20, () => {
          if (endpoint.id === 'a') throw new Boom('a fails');
          return endpoint.id;
        }),
      );
      await clock.advance(40);
      await call;
    }
    const a = router.endpointStats('a');
    expect(a).toMatchObject({ id: 'a', status: 'healthy', outstanding: 0, ejections: 0, priority: 0, weight: 1 });
    expect(a?.failures).toBe(a?.attempts);
    expect(a?.errorRate).toBe(1);
    // Its failures took 20 ms: a lower bound on its latency, decaying since the last one.
    expect(a?.latency).toBeGreaterThan(18);
    expect(a?.latency).toBeLessThanOrEqual(20);
    expect(a?.lastLatency).toBe(20);
    const stats = router.stats();
    expect(stats.attempts).toBe(stats.endpoints.reduce((sum, e) => sum + e.attempts, 0));
    expect(stats.retries).toBe(a?.attempts);
    expect(stats.tiers).toEqual([{ priority: 0, endpoints: 3, healthy: 3, load: 100, panic: false }]);
    expect(stats.retryLimiter).toMatchObject({ kind: 'budget' });
    // Every attempt ended within the last second (20 calls of 40 ms), so the rates add up to the attempts.
    const rate = stats.endpoints.reduce((sum, e) => sum + e.requestRate, 0);
    expect(rate).toBe(stats.attempts);
    expect(router.endpointStats('nope')).toBeUndefined();
  });
});

describe('reading stats', () => {
  it('never changes what the router does: a polled run picks the same endpoints as an unpolled one', async () => {
    const pickSequence = async (poll: boolean) => {
      const clock = new VirtualClock();
      const random = seededRandom(9);
      const latencyOf: Record<string, number> = { a: 7, b: 13, c: 29, d: 3.3, e: 17 };
      const router = new Router({
        clock,
        random: seededRandom(4),
        endpoints: Object.keys(latencyOf).map((id) => ({ id })),
      });
      const picks: string[] = [];
      for (let i = 0; i < 400; i++) {
        const call = router.execute(
          (endpoint) =>
            new Promise<void>((resolve) => {
              picks.push(endpoint.id);
              clock.setTimeout(resolve, (latencyOf[endpoint.id] as number) * (0.5 + random()));
            }),
        );
        // A dashboard polls between calls, at moments when no call is picked.
        const gap = 1 + random() * 4;
        await clock.advance(gap / 2);
        if (poll) {
          router.stats();
          for (const id of Object.keys(latencyOf)) router.endpointStats(id);
        }
        await clock.advance(gap / 2);
        void call;
      }
      await clock.runAll();
      return picks.join(',');
    };
    expect(await pickSequence(true)).toBe(await pickSequence(false));
  });
});
