import { InvalidOptionError } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedLoadRouter } from '../bounded-load-router.js';
import { jumpRouter } from '../jump-router.js';
import { rendezvousRouter } from '../rendezvous-router.js';
import type { ShardRouterFactory } from '../shard-router.js';
import { assignShards } from './leases.js';
import { planResize } from './resize.js';
import type { RingState } from './ring.js';

describe('assignShards: the shards spread evenly over the live workers', () => {
  it('gives every worker ⌊n/w⌋ or ⌈n/w⌉ shards, each shard to exactly one worker (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 0, maxLength: 40 }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 9 }),
        (shards, workers) => {
          const assignment = assignShards(shards, workers);
          const counts = [...assignment.values()].map((owned) => owned.length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          expect([...assignment.values()].flat().sort((a, b) => a - b)).toEqual([...shards].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('is the same in every process, whatever order they list the workers in', () => {
    const one = assignShards([0, 1, 2, 3, 4, 5, 6, 7], ['a', 'b', 'c']);
    const two = assignShards([7, 6, 5, 4, 3, 2, 1, 0], ['c', 'a', 'b']);
    for (const worker of ['a', 'b', 'c']) expect(one.get(worker)).toEqual(two.get(worker));
  });

  it('moves few shards when a worker joins', () => {
    const shards = Array.from({ length: 64 }, (_, i) => i);
    const before = assignShards(shards, ['w1', 'w2', 'w3']);
    const after = assignShards(shards, ['w1', 'w2', 'w3', 'w4']);
    let kept = 0;
    for (const worker of ['w1', 'w2', 'w3']) {
      const now = new Set(after.get(worker));
      kept += (before.get(worker) as number[]).filter((shard) => now.has(shard)).length;
    }
    // 48 of 64 shards stay where they are in the best case; rendezvous keeps most of them.
    expect(kept).toBeGreaterThanOrEqual(36);
  });
});

const ring = (shards: number[], retiring: number[] = []): RingState => ({
  version: 1,
  generation: 'g',
  epoch: 1,
  router: 'x',
  ordered: true,
  shards,
  retiring: retiring.map((id) => ({ id, since: 0 })),
  everShards: [...shards, ...retiring],
  gate: null,
  opened: null,
  pausing: null,
});

describe('planResize', () => {
  it.each([
    ['rendezvous', rendezvousRouter()],
    ['jump', jumpRouter()],
    ['bounded-load', boundedLoadRouter()],
  ] as [string, ShardRouterFactory][])(
    '%s: growing moves about 1/(n+1) of the keys, all to new shards',
    (_, factory) => {
      const plan = planResize(ring([0, 1, 2, 3]), 5, factory);
      expect(plan.added).toEqual([4]);
      expect(plan.givers).toEqual([0, 1, 2, 3]);
      expect(plan.receivers).toEqual([4]);
      expect(plan.movedFraction).toBeGreaterThan(0.12);
      expect(plan.movedFraction).toBeLessThan(0.3);
    },
  );

  it('shrinking removes the most recent shards; the rest receive', () => {
    const plan = planResize(ring([0, 1, 2, 3, 4, 5, 6, 7]), 3, jumpRouter());
    expect(plan.removed).toEqual([3, 4, 5, 6, 7]);
    expect(plan.givers).toEqual([3, 4, 5, 6, 7]);
    expect(plan.receivers).toEqual([0, 1, 2]);
  });

  it('new shards skip ids still retiring', () => {
    expect(planResize(ring([0, 1], [2, 3]), 4, rendezvousRouter()).added).toEqual([4, 5]);
  });

  it('refuses a router that moves keys between old shards', () => {
    const modulo: ShardRouterFactory = {
      kind: 'modulo',
      create: (shardIds) => ({
        kind: 'modulo',
        shardIds,
        loadAware: false,
        route: (hash) => shardIds[hash % shardIds.length] as number,
        canRemove: () => true,
      }),
    };
    expect(() => planResize(ring([0, 1, 2]), 4, modulo)).toThrow(InvalidOptionError);
  });
});
