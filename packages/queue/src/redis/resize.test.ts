import { seededRandom } from '@palisade/core';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import type { JobHandoffEvent, JobResizeEvent } from '../jobs/types.js';
import type { QueueKey } from '../key.js';
import { zipfSampler } from '../zipf.test-util.js';
import {
  FAST,
  orderViolations,
  readStarts,
  spawnWorker,
  stepProducer,
  stopWorkers,
  testKeys,
  tokenViolations,
  type WorkerProcess,
  waitUntil,
} from './harness.test-util.js';

describeWithRedis('resize across processes', (fixture) => {
  it('4 → 8 → 3 shards under load, 3 worker processes, Zipf keys: every job completes and per-key order holds', async () => {
    const name = 'resize';
    const url = fixture.server.url;
    const redis = new Redis(url);
    const workers: WorkerProcess[] = [];
    const producer = stepProducer(url, name, 4);
    const resizes: JobResizeEvent[] = [];
    const handoffs: JobHandoffEvent[] = [];
    producer.onResize((event) => resizes.push(event));
    producer.onHandoff((event) => handoffs.push(event));
    try {
      for (let i = 0; i < 3; i++) workers.push(spawnWorker({ connection: url, name, shards: 4, engine: FAST }));
      await Promise.all(workers.map((worker) => worker.ready));
      const zipf = zipfSampler(50, 1.1, seededRandom(14));
      const added = new Map<QueueKey, string[]>();
      const total = 600;
      let count = 0;
      const adding = (async () => {
        for (; count < total; count++) {
          const key = `user${zipf()}`;
          const label = `j${count}`;
          added.set(key, [...(added.get(key) ?? []), label]);
          await producer.add('step', { label, ms: 2 }, { key });
          if (count % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      await waitUntil(() => count >= 100, 30_000, '100 adds');
      await producer.resize(8);
      await waitUntil(() => count >= 350, 30_000, '350 adds');
      await producer.resize(3);
      await adding;
      const keys = testKeys(name);
      await waitUntil(
        async () => new Set(await redis.lrange(keys.done, 0, -1)).size === total,
        60_000,
        'every job done',
      );

      expect(orderViolations(await readStarts(redis, name), added)).toEqual([]);

      expect(tokenViolations(await readStarts(redis, name))).toEqual([]);
      expect(resizes.map((event) => [event.previousShards.length, event.shards.length])).toEqual([
        [4, 8],
        [8, 3],
      ]);
      // Rendezvous moves about half the keys from 4 to 8 shards and 5/8 of them from 8 to 3.
      expect(resizes[0]?.movedFraction).toBeGreaterThan(0.4);
      expect(resizes[0]?.movedFraction).toBeLessThan(0.6);
      expect(resizes[1]?.movedFraction).toBeGreaterThan(0.55);
      expect(resizes[1]?.movedFraction).toBeLessThan(0.7);
      expect(handoffs.map((event) => event.epoch)).toEqual([2, 3]);
      // BullMQ counts a job completed a moment after its handler returned.
      await waitUntil(
        async () => (await producer.stats()).completed === total,
        10_000,
        'the totals to count every job',
      );
      const stats = await producer.stats();
      expect(stats.epoch).toBe(3);
      expect(stats.shards.filter((shard) => !shard.retiring).map((shard) => shard.id)).toEqual([0, 1, 2]);
      // The removed shards retire once drained and every old view has expired.
      await waitUntil(async () => (await producer.stats()).shards.length === 3, 20_000, 'the removed shards to retire');
    } finally {
      await stopWorkers(workers);
      await producer.close();
      redis.disconnect();
    }
  });
});
