import { seededRandom } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { type Balancer, FAILURE_PENALTY, MAX_EFFORT } from './balancer.js';
import { EndpointState } from './endpoint-state.js';
import { hashString } from './hash.js';
import { LeastOutstandingBalancer } from './least-outstanding-balancer.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';
import { RendezvousBalancer } from './rendezvous-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

const endpoint = (id: string, weight = 1): EndpointState =>
  new EndpointState(Object.freeze({ id, data: undefined, weight, priority: 0, zone: undefined }), 0, 10_000, 10_000);

function tally(balancer: Balancer, candidates: EndpointState[], picks: number, key?: string): Record<string, number> {
  const random = seededRandom(3);
  const counts: Record<string, number> = {};
  for (let i = 0; i < picks; i++) {
    const keyHash = key === undefined ? undefined : hashString(`${key}${i}`);
    const id = balancer.pick(candidates, 0, random, keyHash).endpoint.id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('round-robin', () => {
  it('takes equal endpoints in turn', () => {
    const balancer = new RoundRobinBalancer();
    const all = ['a', 'b', 'c'].map((id) => endpoint(id));
    const order = Array.from({ length: 6 }, () => balancer.pick(all, 0).endpoint.id);
    expect(new Set(order.slice(0, 3)).size).toBe(3);
    expect(order.slice(3)).toEqual(order.slice(0, 3));
  });

  it('interleaves weighted endpoints smoothly (nginx): 5:1:1 gives a a b a c a a', () => {
    const balancer = new RoundRobinBalancer();
    const all = [endpoint('a', 5), endpoint('b'), endpoint('c')];
    expect(Array.from({ length: 7 }, () => balancer.pick(all, 0).endpoint.id).join(' ')).toBe('a a b a c a a');
  });
});

describe('P2C least-outstanding', () => {
  it('never picks the busiest of two', () => {
    const all = ['a', 'b'].map((id) => endpoint(id));
    (all[1] as EndpointState).outstanding = 3;
    expect(tally(new LeastOutstandingBalancer(), all, 200)).toEqual({ a: 200 });
  });

  it('spreads over equal endpoints, and divides load by weight', () => {
    const all = ['a', 'b', 'c', 'd'].map((id) => endpoint(id));
    const counts = tally(new LeastOutstandingBalancer(), all, 4_000);
    for (const id of ['a', 'b', 'c', 'd']) expect(counts[id]).toBeGreaterThan(850);
    const weighted = [endpoint('heavy', 4), endpoint('light')];
    (weighted[0] as EndpointState).outstanding = 3;
    (weighted[1] as EndpointState).outstanding = 1;
    expect(tally(new LeastOutstandingBalancer(), weighted, 100)).toEqual({ heavy: 100 });
  });
});

describe('P2C peak-EWMA', () => {
  it('avoids a slow endpoint: it only wins when it is not drawn, never in a comparison', () => {
    const all = ['a', 'b', 'c', 'd', 'slow'].map((id) => endpoint(id));
    for (const each of all) each.latency.observe(each.endpoint.id === 'slow' ? 100 : 10, 0);
    const counts = tally(new PeakEwmaBalancer(), all, 5_000);
    expect(counts.slow).toBeUndefined();
  });

  it('weighs latency by calls in flight', () => {
    const all = [endpoint('fast-but-busy'), endpoint('slower-but-idle')];
    (all[0] as EndpointState).latency.observe(10, 0);
    (all[0] as EndpointState).outstanding = 4;
    (all[1] as EndpointState).latency.observe(30, 0);
    expect(tally(new PeakEwmaBalancer(), all, 50)).toEqual({ 'slower-but-idle': 50 });
  });
});

describe('every balancer in a panicking tier (issue 12)', () => {
  /** Ejected for 30 s from 0, its last attempt a failure at 0: what a panicking tier offers of a dead endpoint. */
  const ejectedAndFailing = (id: string): EndpointState => {
    const state = endpoint(id);
    state.outlier = 'ejected';
    state.ejectedUntil = 30_000;
    state.downUntil = FAILURE_PENALTY;
    return state;
  };

  it.each([
    ['peak-ewma', () => new PeakEwmaBalancer()],
    ['least-outstanding', () => new LeastOutstandingBalancer()],
  ] as const)(
    '%s passes over ejected endpoints that failed, drawing again when both of a pair did',
    (_name, create) => {
      const dead = ['x', 'y', 'z'].map(ejectedAndFailing);
      const live = ['a', 'b'].map((id) => endpoint(id));
      // Calls in flight on the live ones, and a dead node that failed fast: by load alone, the dead would win.
      for (const each of live) {
        each.latency.observe(10, 0);
        each.outstanding = 20;
      }
      const counts = tally(create(), [...dead, ...live], 10_000);
      const toDead = (counts.x ?? 0) + (counts.y ?? 0) + (counts.z ?? 0);
      // Only when MAX_EFFORT pairs in a row were both dead: 0.3^5 of the picks.
      expect(toDead / 10_000).toBeLessThan(3 * 0.3 ** MAX_EFFORT);
      expect((counts.a as number) + (counts.b as number)).toBeGreaterThan(9_900);
    },
  );

  it('round-robin gives a down endpoint’s turn to the next one, weighted or not', () => {
    const all = [endpoint('a'), ejectedAndFailing('x'), endpoint('b')];
    const balancer = new RoundRobinBalancer();
    expect(Array.from({ length: 6 }, () => balancer.pick(all, 0).endpoint.id).join(' ')).toBe('a b a b a b');
    const weighted = [endpoint('a', 2), ejectedAndFailing('x'), endpoint('b')];
    const smooth = new RoundRobinBalancer();
    expect(Array.from({ length: 6 }, () => smooth.pick(weighted, 0).endpoint.id).join(' ')).toBe('a b a a b a');
    const allDown = ['x', 'y'].map(ejectedAndFailing);
    expect(balancer.pick(allDown, 0).endpoint.id).toMatch(/^[xy]$/);
  });

  it('sticky moves only the keys of a down endpoint, each to its second choice', () => {
    const balancer = new RendezvousBalancer();
    const all = ['a', 'b', 'c', 'd'].map((id) => endpoint(id));
    const withDown = [...all.filter((each) => each.endpoint.id !== 'c'), ejectedAndFailing('c')];
    const without = all.filter((each) => each.endpoint.id !== 'c');
    for (let k = 0; k < 500; k++) {
      const key = hashString(`session-${k}`);
      expect(balancer.pick(withDown, 0, Math.random, key).endpoint.id).toBe(
        balancer.pick(without, 0, Math.random, key).endpoint.id,
      );
    }
    const allDown = ['x', 'y'].map(ejectedAndFailing);
    const key = hashString('k');
    expect(balancer.pick(allDown, 0, Math.random, key).endpoint.id).toBe(
      balancer.pick(
        ['x', 'y'].map((id) => endpoint(id)),
        0,
        Math.random,
        key,
      ).endpoint.id,
    );
  });

  it('stops passing one over when its penalty runs out or it succeeds', () => {
    const balancer = new PeakEwmaBalancer();
    const live = endpoint('live');
    live.latency.observe(10, 0);
    live.outstanding = 20;
    const dead = ejectedAndFailing('dead');
    const picks = (now: number) => {
      const random = seededRandom(5);
      let toDead = 0;
      for (let i = 0; i < 100; i++) if (balancer.pick([dead, live], now, random).endpoint.id === 'dead') toDead++;
      return toDead;
    };
    expect(picks(FAILURE_PENALTY - 1)).toBe(0);
    // Then the load decides again: a cold endpoint with nothing in flight costs nothing.
    expect(picks(FAILURE_PENALTY)).toBe(100);
    dead.downUntil = 0;
    expect(picks(10)).toBe(100);
  });
});

describe('sticky (rendezvous hashing)', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];

  it('sends a key to the same endpoint every time, and on every client', () => {
    const one = new RendezvousBalancer();
    const other = new RendezvousBalancer();
    const first = ids.map((id) => endpoint(id));
    const second = [...ids].reverse().map((id) => endpoint(id));
    for (let k = 0; k < 200; k++) {
      const key = hashString(`user-${k}`);
      const picked = one.pick(first, 0, Math.random, key).endpoint.id;
      expect(one.pick(first, 0, Math.random, key).endpoint.id).toBe(picked);
      expect(other.pick(second, 0, Math.random, key).endpoint.id).toBe(picked);
    }
  });

  it('spreads keys evenly, and in proportion to weight', () => {
    const counts = tally(
      new RendezvousBalancer(),
      ids.map((id) => endpoint(id)),
      10_000,
      'key',
    );
    for (const id of ids) expect(counts[id]).toBeGreaterThan(1_800);
    const weighted = tally(new RendezvousBalancer(), [endpoint('big', 3), endpoint('small')], 8_000, 'key');
    expect((weighted.big as number) / 8_000).toBeCloseTo(0.75, 1);
  });

  it('moves only the keys of an endpoint that leaves, each to its second choice', () => {
    const balancer = new RendezvousBalancer();
    const all = ids.map((id) => endpoint(id));
    const without = all.filter((each) => each.endpoint.id !== 'c');
    let moved = 0;
    for (let k = 0; k < 2_000; k++) {
      const key = hashString(`session-${k}`);
      const before = balancer.pick(all, 0, Math.random, key).endpoint.id;
      const after = balancer.pick(without, 0, Math.random, key).endpoint.id;
      if (before !== 'c') expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBeGreaterThan(300);
  });

  it('falls back to P2C peak-EWMA for calls without a key', () => {
    const all = ['a', 'slow'].map((id) => endpoint(id));
    (all[0] as EndpointState).latency.observe(10, 0);
    (all[1] as EndpointState).latency.observe(100, 0);
    expect(tally(new RendezvousBalancer(), all, 100)).toEqual({ a: 100 });
  });
});
