import { readFileSync } from 'node:fs';
import { seededRandom } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedLoadRouter } from './bounded-load-router.js';
import { jumpHash, jumpRouter } from './jump-router.js';
import { hashKey } from './key.js';
import { rendezvousRouter } from './rendezvous-router.js';
import type { ShardRouterFactory } from './shard-router.js';
import { zipfSampler } from './zipf.test-util.js';

interface JumpVectors {
  series: { key: string; bucketsFrom1: number[] }[];
  single: { key: string; buckets: number; bucket: number }[];
}
const jumpVectors = JSON.parse(
  readFileSync(new URL('./vectors/jump-consistent-hash.json', import.meta.url), 'utf8'),
) as JumpVectors;

const halves = (key: bigint): [number, number] => [Number(key >> 32n), Number(key & 0xffffffffn)];

/** The paper's C++ with BigInt: the reference our 32-bit-limb version must match. */
function referenceJump(key: bigint, buckets: number): number {
  let state = key;
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state = BigInt.asUintN(64, state * 2862933555777941757n + 1n);
    next = Math.floor((bucket + 1) * (2147483648 / Number((state >> 33n) + 1n)));
  }
  return bucket;
}

const KEYS = Array.from({ length: 100_000 }, (_, i) => hashKey(`key-${i}`));
const ids = (count: number, from = 0): number[] => Array.from({ length: count }, (_, i) => from + i);

function shares(factory: ShardRouterFactory, shardIds: number[]): Map<number, number> {
  const router = factory.create(shardIds);
  const counts = new Map<number, number>(shardIds.map((id) => [id, 0]));
  for (const hash of KEYS) counts.set(router.route(hash), (counts.get(router.route(hash)) as number) + 1);
  return counts;
}

function imbalance(counts: Iterable<number>): number {
  const values = [...counts];
  return Math.max(...values) / (values.reduce((a, b) => a + b, 0) / values.length);
}

/** Fraction of keys whose shard changes from n to n+1 shards, and how many of them went somewhere other than the new shard. */
function movement(factory: ShardRouterFactory, n: number): { fraction: number; strays: number } {
  const before = factory.create(ids(n));
  const after = factory.create(ids(n + 1));
  let moved = 0;
  let strays = 0;
  for (const hash of KEYS) {
    const to = after.route(hash);
    if (before.route(hash) !== to) {
      moved++;
      if (to !== n) strays++;
    }
  }
  return { fraction: moved / KEYS.length, strays };
}

describe('jump consistent hash', () => {
  it.each(jumpVectors.series)('matches the reference C++ for key $key with 1… buckets', ({ key, bucketsFrom1 }) => {
    const [high, low] = halves(BigInt(key));
    expect(bucketsFrom1.map((_, i) => jumpHash(high, low, i + 1))).toEqual(bucketsFrom1);
  });

  it.each(jumpVectors.single)('puts key $key in bucket $bucket of $buckets', ({ key, buckets, bucket }) => {
    const [high, low] = halves(BigInt(key));
    expect(jumpHash(high, low, buckets)).toBe(bucket);
  });

  it('matches a BigInt transcription of the paper for any 64-bit key', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 100_000 }), (key, buckets) => {
        const [high, low] = halves(key);
        expect(jumpHash(high, low, buckets)).toBe(referenceJump(key, buckets));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('routers: movement when a shard is added', () => {
  // 100,000 keys: a deviation of 1% is over 10 standard errors at every n.
  it.each([
    ['rendezvous', 0.01, rendezvousRouter()],
    ['jump', 0.01, jumpRouter()],
    // A ring's shares vary by about 1/√points per shard; see the README.
    ['bounded-load ring', 0.02, boundedLoadRouter()],
  ] as const)('%s moves 1/(n+1) ± %s of the keys, all to the new shard', (_, slack, factory) => {
    for (let n = 1; n <= 32; n++) {
      const { fraction, strays } = movement(factory, n);
      expect(strays, `n = ${n}`).toBe(0);
      expect(fraction, `n = ${n}`).toBeLessThanOrEqual(1 / (n + 1) + slack);
      expect(fraction, `n = ${n}`).toBeGreaterThanOrEqual(1 / (n + 1) - slack);
    }
  });

  it.each([
    ['rendezvous', rendezvousRouter()],
    ['bounded-load ring', boundedLoadRouter()],
  ] as const)('%s moves only the keys of a removed shard, whichever it is', (_, factory) => {
    const all = ids(8);
    const before = factory.create(all);
    for (const removed of [0, 3, 7]) {
      const after = factory.create(all.filter((id) => id !== removed));
      for (const hash of KEYS.slice(0, 20_000)) {
        const from = before.route(hash);
        if (from !== removed) expect(after.route(hash)).toBe(from);
        else expect(after.route(hash)).not.toBe(removed);
      }
    }
  });

  it('jump removes only the last shard', () => {
    const router = jumpRouter().create([4, 9, 2]);
    expect(router.canRemove(2)).toBe(true);
    expect(router.canRemove(4)).toBe(false);
    expect(router.canRemove(9)).toBe(false);
  });

  it('routes by shard id, not position: the same set in another order is the same router (rendezvous, ring)', () => {
    for (const factory of [rendezvousRouter(), boundedLoadRouter()]) {
      const a = factory.create([0, 1, 2, 5]);
      const b = factory.create([5, 2, 0, 1]);
      for (const hash of KEYS.slice(0, 5000)) expect(a.route(hash)).toBe(b.route(hash));
    }
  });
});

describe('routers: balance', () => {
  it.each([
    ['rendezvous', rendezvousRouter()],
    ['jump', jumpRouter()],
  ] as const)('%s spreads 100k uniform keys over 16 shards within 1.05 of even', (_, factory) => {
    expect(imbalance(shares(factory, ids(16)).values())).toBeLessThanOrEqual(1.05);
  });

  it("the bounded-load ring's first choices are within 1.2 of even (its arcs vary); placing by load caps it", () => {
    const counts = shares(boundedLoadRouter(), ids(16));
    expect(imbalance(counts.values())).toBeLessThanOrEqual(1.2);
    const router = boundedLoadRouter().create(ids(16));
    const loads = new Map<number, number>(ids(16).map((id) => [id, 0]));
    let total = 0;
    for (const hash of KEYS) {
      const id = router.place?.(hash, (shard) => loads.get(shard) as number, total) as number;
      loads.set(id, (loads.get(id) as number) + 1);
      total++;
    }
    expect(imbalance(loads.values())).toBeLessThanOrEqual(1.25 + 16 / KEYS.length);
  });

  it('bounded-load placement keeps Zipf(1.1) traffic within 1.25 of even, where plain hashing goes above 2', () => {
    const draw = zipfSampler(10_000, 1.1, seededRandom(11));
    const keyHashes = Array.from({ length: 10_000 }, (_, i) => hashKey(`user-${i}`));
    const tasks = Array.from({ length: 200_000 }, () => keyHashes[draw()] as number);
    const bounded = boundedLoadRouter().create(ids(16));
    const plain = rendezvousRouter().create(ids(16));
    const boundedLoads = new Array<number>(16).fill(0);
    const plainLoads = new Array<number>(16).fill(0);
    let total = 0;
    for (const hash of tasks) {
      const id = bounded.place?.(hash, (shard) => boundedLoads[shard] as number, total) as number;
      boundedLoads[id] = (boundedLoads[id] as number) + 1;
      total++;
      const plainId = plain.route(hash);
      plainLoads[plainId] = (plainLoads[plainId] as number) + 1;
    }
    expect(imbalance(boundedLoads)).toBeLessThanOrEqual(1.25 + 16 / tasks.length);
    expect(imbalance(plainLoads)).toBeGreaterThan(2);
  });

  it('bounded-load placement spills past a full shard and never picks one at capacity', () => {
    const router = boundedLoadRouter({ balanceFactor: 1.5 }).create(ids(4));
    const hash = KEYS[0] as number;
    const first = router.route(hash);
    // Total 8 over 4 shards: capacity ⌈1.5 × 9 / 4⌉ = 4.
    const loads = new Map(ids(4).map((id) => [id, id === first ? 4 : 4 / 3]));
    const placed = router.place?.(hash, (id) => loads.get(id) as number, 8);
    expect(placed).not.toBe(first);
    loads.set(first, 3);
    expect(router.place?.(hash, (id) => loads.get(id) as number, 8)).toBe(first);
  });
});

describe('routers: ring introspection', () => {
  it('lists the ring points of the bounded-load router in order, pointsPerShard per shard', () => {
    const router = boundedLoadRouter({ pointsPerShard: 10 }).create([3, 7]);
    const points = router.ring?.() ?? [];
    expect(points).toHaveLength(20);
    expect(points.filter((p) => p.shardId === 3)).toHaveLength(10);
    for (let i = 1; i < points.length; i++) {
      expect((points[i] as { position: number }).position).toBeGreaterThanOrEqual(
        (points[i - 1] as { position: number }).position,
      );
    }
    expect(rendezvousRouter().create([0]).ring).toBeUndefined();
  });
});
