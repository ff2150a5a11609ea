import { seededRandom, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { Router } from './router.js';
import { Boom, settle } from './simulation.test-util.js';

function setup() {
  const clock = new VirtualClock();
  const router = new Router({
    clock,
    random: seededRandom(21),
    endpoints: [
      ...['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, zone: 'primary' })),
      ...['x', 'y'].map((id) => ({ id, priority: 1, zone: 'standby' })),
    ],
    outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    retry: false,
  });
  const eject = async (id: string) => {
    for (let i = 0; i < 500 && router.endpointStats(id)?.status !== 'ejected'; i++) {
      await settle(router.execute((endpoint) => (endpoint.id === id ? Promise.reject(new Boom(id)) : endpoint.id)));
    }
    expect(router.endpointStats(id)?.status).toBe('ejected');
  };
  /** Share of `calls` calls that land on the standby tier. */
  const spill = async (calls: number) => {
    let standby = 0;
    for (let i = 0; i < calls; i++) {
      const zone = await router.execute((endpoint) => endpoint.zone);
      if (zone === 'standby') standby++;
    }
    return standby / calls;
  };
  return { clock, router, eject, spill };
}

describe('priority tiers (Envoy priority levels, overprovisioning factor 1.4)', () => {
  it('keeps all traffic on tier 0 while it is healthy enough, then spills to tier 1 in proportion', async () => {
    const { router, eject, spill } = setup();
    expect(await spill(2_000)).toBe(0);
    await eject('a');
    // 80% healthy × 1.4 ≥ 100%: tier 0 still counts as fully healthy.
    expect(await spill(2_000)).toBe(0);
    expect(router.stats().tiers.map((t) => t.load)).toEqual([100, 0]);
    await eject('b');
    // 60% × 1.4 = 84% stays, 16% spills.
    expect(router.stats().tiers.map((t) => t.load)).toEqual([84, 16]);
    expect(await spill(10_000)).toBeCloseTo(0.16, 1);
    await eject('c');
    await eject('d');
    await eject('e');
    expect(router.stats().tiers.map((t) => t.load)).toEqual([0, 100]);
    expect(await spill(1_000)).toBe(1);
  });

  it('comes back to tier 0 as its endpoints return', async () => {
    const { clock, router, eject, spill } = setup();
    for (const id of ['a', 'b', 'c']) await eject(id);
    expect(router.stats().tiers.map((t) => t.load)).toEqual([56, 44]);
    await clock.advance(30_000);
    // Probes go out as calls arrive; each success brings an endpoint back.
    await spill(500);
    expect(router.stats().tiers.map((t) => t.load)).toEqual([100, 0]);
    expect(await spill(1_000)).toBe(0);
  });
});
