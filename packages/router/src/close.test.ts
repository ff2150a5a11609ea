import { seededRandom, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { RouterClosedError } from './errors.js';
import type { RouterOptions } from './options.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

function setup(options: RouterOptions<string> = {}) {
  const clock = new VirtualClock();
  const router = new Router<string>({
    clock,
    random: seededRandom(3),
    endpoints: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    retry: { backoff: 10 },
    ...options,
  });
  /** Answers after `ms` on the clock, or rejects with the signal's reason. */
  const after = <T>(ms: number, value: T, signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      });
    });
  return { clock, router, after };
}

/** Whether `promise` has settled, without waiting for it. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await Promise.resolve();
  await Promise.resolve();
  return settled;
}

describe('close()', () => {
  it('refuses new calls with RouterClosedError at once', async () => {
    const { router } = setup();
    const closing = router.close();
    const { error } = (await settle(router.execute(() => 1))) as { error: RouterClosedError };
    expect(error).toBeInstanceOf(RouterClosedError);
    expect(error.code).toBe('ERR_PALISADE_ROUTER_CLOSED');
    await closing;
  });

  it('lets the calls in flight finish, retries included, and resolves once they have settled and no timer is left', async () => {
    const { clock, router, after } = setup();
    let attempts = 0;
    // The first attempt fails at 20 ms, after close(); the retry (10 ms of backoff) answers at 60 ms.
    const call = router.execute((endpoint, signal) => {
      attempts++;
      return attempts === 1
        ? after(20, 0, signal).then(() => Promise.reject(new Boom()))
        : after(30, endpoint.id, signal);
    });
    const plain = router.execute((_endpoint, signal) => after(40, 'plain', signal));
    await clock.advance(5);
    const closing = router.close();
    expect(await isSettled(closing)).toBe(false);
    await clock.advance(40);
    expect(await plain).toBe('plain');
    expect(await isSettled(closing)).toBe(false);
    await clock.advance(15);
    expect(await call).toMatch(/^[abc]$/);
    expect(attempts).toBe(2);
    await closing;
    expect(router.stats()).toMatchObject({ calls: 2, successes: 2, inFlight: 0, retries: 1 });
    // The shared deadline timer was armed for the calls' 15 s deadlines: closing released it.
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves by the deadline of a call whose function never settles, and leaves no timer behind', async () => {
    const { clock, router } = setup({ timeout: 1_000 });
    const call = settle(router.execute(() => new Promise<never>(() => {})));
    await clock.advance(100);
    const closing = router.close();
    await clock.advance(899);
    expect(await isSettled(closing)).toBe(false);
    await clock.advance(1);
    await closing;
    expect(((await call) as { error: Error }).error.name).toBe('CallDeadlineExceededError');
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops the health checks at once', async () => {
    const clock = new VirtualClock();
    let checks = 0;
    const router = new Router({
      clock,
      endpoints: [{ id: 'a' }],
      healthCheck: { interval: 100, jitter: 0, check: () => checks++ },
    });
    await clock.advance(250);
    expect(checks).toBe(3);
    const closing = router.close();
    expect(clock.pendingTimers).toBe(0);
    await closing;
    await clock.advance(1_000);
    expect(checks).toBe(3);
    // An endpoint added after close() is not checked either: the router holds no timer.
    router.add({ id: 'b' });
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(checks).toBe(3);
  });

  it('is idempotent: every call, and Symbol.asyncDispose, return the same promise', async () => {
    const { router } = setup();
    const closing = router.close();
    expect(router.close()).toBe(closing);
    expect(router[Symbol.asyncDispose]()).toBe(closing);
    await expect(closing).resolves.toBeUndefined();
  });

  it('is AsyncDisposable: await using closes the router at the end of the scope', async () => {
    let outside: Router | undefined;
    {
      await using router = new Router({ endpoints: [{ id: 'a' }], clock: new VirtualClock() });
      outside = router;
      expect(await router.execute((endpoint) => endpoint.id)).toBe('a');
    }
    await expect(outside.execute(() => 1)).rejects.toBeInstanceOf(RouterClosedError);
  });
});
