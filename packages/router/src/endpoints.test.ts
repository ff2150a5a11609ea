import { InvalidArgumentError, InvalidOptionError, seededRandom, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { EmptyEndpointSetError, EndpointRemovedError } from './errors.js';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

function setup() {
  const clock = new VirtualClock();
  const router = new Router<string>({
    clock,
    random: seededRandom(5),
    endpoints: [
      { id: 'a', data: 'A' },
      { id: 'b', data: 'B' },
    ],
    retry: { backoff: 0 },
  });
  return { clock, router };
}

/** An endpoint function whose attempts on `slowId` wait for `release()`, and that honours its signal. */
function gated(slowId: string) {
  const releases: (() => void)[] = [];
  const fn = (endpoint: { id: string }, signal: AbortSignal) =>
    endpoint.id !== slowId
      ? Promise.resolve(`from ${endpoint.id}`)
      : new Promise<string>((resolve, reject) => {
          releases.push(() => resolve(`from ${endpoint.id}`));
          signal.addEventListener('abort', () => reject(signal.reason));
        });
  const release = (): void => {
    for (const each of releases) each();
  };
  return { fn, release, pending: () => releases.length };
}

describe('the endpoint set at runtime', () => {
  it('adds endpoints that take calls at once, and lists them in order', async () => {
    const { router } = setup();
    const added: string[] = [];
    router.onEndpointAdded(({ endpoint }) => added.push(endpoint.id));
    const c = router.add({ id: 'c', data: 'C', weight: 2, priority: 1, zone: 'eu-1' });
    expect(c).toEqual({ id: 'c', data: 'C', weight: 2, priority: 1, zone: 'eu-1' });
    expect(router.endpoints.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(router.endpoint('c')).toBe(c);
    expect(added).toEqual(['c']);
    router.remove('a');
    router.remove('b');
    expect(await router.execute((endpoint) => endpoint.data)).toBe('C');
  });

  it('removes endpoints: no new attempt goes there; unknown ids return false', async () => {
    const { router } = setup();
    const removed: string[] = [];
    router.onEndpointRemoved(({ endpoint }) => removed.push(endpoint.id));
    expect(router.remove('a')).toBe(true);
    expect(router.remove('a')).toBe(false);
    expect(removed).toEqual(['a']);
    for (let i = 0; i < 20; i++) expect(await router.execute((endpoint) => endpoint.id)).toBe('b');
    expect(router.endpointStats('a')).toBeUndefined();
  });

  it('lets attempts in flight on a removed endpoint finish, and still counts them', async () => {
    const { clock, router } = setup();
    router.remove('b');
    const { fn, release, pending } = gated('a');
    const call = router.execute(fn);
    await clock.advance(1);
    expect(pending()).toBe(1);
    router.add({ id: 'b', data: 'B' });
    router.remove('a');
    expect(router.stats().endpoints.map((e) => [e.id, e.status, e.outstanding])).toEqual([
      ['b', 'healthy', 0],
      ['a', 'removed', 1],
    ]);
    release();
    expect(await call).toBe('from a');
    expect(router.stats().endpoints.map((e) => e.id)).toEqual(['b']);
  });

  it('fails attempts in flight over to another endpoint when removed with abortInFlight', async () => {
    const { clock, router } = setup();
    router.remove('b');
    const { fn } = gated('a');
    const reasons: unknown[] = [];
    const call = router.execute((endpoint, signal) => {
      signal.addEventListener('abort', () => reasons.push(signal.reason));
      return fn(endpoint, signal);
    });
    await clock.advance(1);
    router.add({ id: 'b', data: 'B' });
    router.remove('a', { abortInFlight: true });
    expect(await call).toBe('from b');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(EndpointRemovedError);
    expect((reasons[0] as EndpointRemovedError).code).toBe('ERR_PALISADE_ROUTER_ENDPOINT_REMOVED');
    // The fail-over is a retry like any other: it goes through the budget and shows in the stats.
    expect(router.stats()).toMatchObject({ retries: 1, successes: 1 });
  });

  it('a call whose endpoints were all removed fails with EmptyEndpointSetError instead of hanging', async () => {
    const { clock, router } = setup();
    const { fn } = gated('a');
    router.remove('b');
    const call = settle(router.execute(fn));
    await clock.advance(1);
    router.remove('a', { abortInFlight: true });
    expect(((await call) as { error: unknown }).error).toBeInstanceOf(EmptyEndpointSetError);
  });

  it('many calls in flight during removals and additions all settle, and none goes to a removed endpoint', async () => {
    const clock = new VirtualClock();
    const router = new Router({
      clock,
      random: seededRandom(2),
      endpoints: [{ id: 'e0' }, { id: 'e1' }, { id: 'e2' }],
      // One call in seven fails once and every abortInFlight removal fails calls over: about 120
      // retries in 2 s, the default budget's whole allowance. Its refusals are tested on their own.
      budget: false,
    });
    const removed = new Set<string>();
    const misrouted: string[] = [];
    const calls: Promise<unknown>[] = [];
    let next = 3;
    for (let tick = 0; tick < 200; tick++) {
      for (let i = 0; i < 3; i++) {
        calls.push(
          settle(
            router.execute((endpoint, signal, attempt) => {
              if (removed.has(endpoint.id)) misrouted.push(endpoint.id);
              return new Promise<string>((resolve, reject) => {
                const timer = clock.setTimeout(
                  () => (tick % 7 === 0 && attempt === 1 ? reject(new Boom('x')) : resolve(endpoint.id)),
                  25,
                );
                signal.addEventListener('abort', () => {
                  clock.clearTimeout(timer);
                  reject(signal.reason);
                });
              });
            }),
          ),
        );
      }
      if (tick % 10 === 5) {
        const victim = router.endpoints[0]?.id as string;
        removed.add(victim);
        router.remove(victim, { abortInFlight: tick % 20 === 5 });
        router.add({ id: `e${next++}` });
      }
      await clock.advance(10);
    }
    await clock.advance(60_000);
    const outcomes = (await Promise.all(calls)) as ({ value: string } | { error: unknown })[];
    expect(outcomes).toHaveLength(600);
    expect(misrouted).toEqual([]);
    expect(router.stats()).toMatchObject({ inFlight: 0, calls: 600 });
    expect(outcomes.filter((o) => 'value' in o)).toHaveLength(600);
  });

  it('refuses a duplicate id or a bad description with a typed error naming the field', () => {
    const { router } = setup();
    expect(() => router.add({ id: 'a' })).toThrow(InvalidArgumentError);
    expect(() => router.add({ id: 'a' })).toThrow('"endpoint.id"');
    expect(() => router.add({ id: '' })).toThrow('"endpoint.id"');
    expect(() => router.add({ id: 'x', weight: 0 })).toThrow('"endpoint.weight"');
    expect(() => router.add({ id: 'x', priority: 1.5 })).toThrow('"endpoint.priority"');
    expect(() => router.add({ id: 'x', priority: 128 })).toThrow('"endpoint.priority"');
    expect(() => router.add({ id: 'x', zone: 3 as never })).toThrow('"endpoint.zone"');
    expect(() => router.add(null as never)).toThrow('"endpoint"');
    expect(() => new Router({ endpoints: [{ id: 'a' }, { id: 'a' }] })).toThrow(InvalidOptionError);
    expect(() => new Router({ endpoints: [{ id: 'a' }, { id: 'a' }] })).toThrow('"endpoints[1].id"');
    expect(() => new Router({ endpoints: [{ id: 'a', weight: -1 }] })).toThrow('"endpoints[0].weight"');
  });
});
