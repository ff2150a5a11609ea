import { type BreakerStore, MemoryBreakerStore } from '@palisade/breaker';
import { RedisBreakerBackend } from '@palisade/breaker/redis';
import { InvalidOptionError, seededRandom, VirtualClock } from '@palisade/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../scripts/lib/redis-test.ts';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

const ids = ['a', 'b', 'c', 'd', 'e'];

/** A router whose calls to endpoints in `down` fail. */
function routerOn(clock: VirtualClock | undefined, store: (id: string) => BreakerStore, seed: number) {
  const down = new Set<string>();
  const ejected: string[] = [];
  const router = new Router({
    ...(clock === undefined ? {} : { clock }),
    random: seededRandom(seed),
    endpoints: ids.map((id) => ({ id })),
    retry: false,
    // Every endpoint in turn: on real time, a latency-aware balancer could avoid c before it is ejected.
    balancer: 'round-robin',
    outlierDetection: { store, maxEjectionPercent: 50 },
  });
  router.onEject(({ endpoint }) => ejected.push(endpoint.id));
  const call = () =>
    settle(
      router.execute((endpoint) => {
        if (down.has(endpoint.id)) throw new Boom(`${endpoint.id} down`);
        return endpoint.id;
      }),
    );
  return { router, down, ejected, call };
}

describe('outlier detection on a shared store', () => {
  it('an ejection one router makes holds in the other, which never sent c a failing call', async () => {
    const clock = new VirtualClock();
    const stores = new Map<string, MemoryBreakerStore>();
    const shared = (id: string) => {
      let store = stores.get(id);
      if (store === undefined) {
        store = new MemoryBreakerStore({ kind: 'closed', epoch: 0, since: 0 });
        stores.set(id, store);
      }
      return store;
    };
    const first = routerOn(clock, shared, 1);
    const second = routerOn(clock, shared, 2);
    first.down.add('c');
    for (let i = 0; i < 200 && first.ejected.length === 0; i++) {
      await first.call();
      await clock.advance(10);
    }
    expect(first.ejected).toEqual(['c']);
    const served: string[] = [];
    for (let i = 0; i < 50; i++) {
      const outcome = await second.call();
      if ('value' in outcome) served.push(String(outcome.value));
      await clock.advance(10);
    }
    expect(served).not.toContain('c');
    expect(second.router.endpointStats('c')).toMatchObject({ status: 'ejected', failures: 0 });
    expect(second.ejected).toEqual(['c']);
  });

  it('outlierDetection.store must be a function', () => {
    expect(() => new Router({ endpoints: [{ id: 'a' }], outlierDetection: { store: {} as never } })).toThrow(
      InvalidOptionError,
    );
  });
});

describeWithRedis('outlier ejection shared through Redis', (fixture) => {
  const backends: RedisBreakerBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((backend) => backend.close()));
  });
  const backend = () => {
    const made = new RedisBreakerBackend({ connection: fixture.server.url });
    backends.push(made);
    return made;
  };

  it('two router processes: one ejects c, the other stops sending to c', async () => {
    const one = backend();
    const two = backend();
    const first = routerOn(undefined, (id) => one.store(`orders:${id}`), 1);
    const second = routerOn(undefined, (id) => two.store(`orders:${id}`), 2);
    first.down.add('c');
    for (let i = 0; i < 200 && first.ejected.length === 0; i++) await first.call();
    expect(first.ejected).toEqual(['c']);
    // The second process hears of it through Redis (pub/sub), within the staleness bound.
    for (let i = 0; i < 500 && second.router.breaker('c')?.record.kind !== 'open'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const served: string[] = [];
    for (let i = 0; i < 50; i++) {
      const outcome = await second.call();
      if ('value' in outcome) served.push(String(outcome.value));
    }
    expect(served).not.toContain('c');
    expect(second.ejected).toEqual(['c']);
  });
});
