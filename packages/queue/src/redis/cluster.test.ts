import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { REDIS_MISSING_MESSAGE, startRedisCluster } from '../../../../scripts/lib/redis-server.ts';
import { redisAvailable } from '../../../../scripts/lib/redis-test.ts';
import type { QueueKey } from '../key.js';
import type { RedisConnection } from './connection.js';
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

const run = redisAvailable() ? describe : process.env.CI === 'true' ? describe : describe.skip;

run(redisAvailable() ? 'on a 3-master Redis Cluster' : `on a 3-master Redis Cluster (${REDIS_MISSING_MESSAGE})`, () => {
  it('the same workload runs: jobs complete in per-key order through a resize, and the shards spread over the masters', async () => {
    if (!redisAvailable()) throw new Error(`CI=true requires the Redis tests. ${REDIS_MISSING_MESSAGE}`);
    const cluster = await startRedisCluster(3);
    const connection: RedisConnection = {
      cluster: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    };
    const redis = new Cluster([...connection.cluster]);
    redis.on('error', () => {});
    const name = 'clustered';
    const workers: WorkerProcess[] = [];
    const producer = stepProducer(connection, name, 4);
    try {
      for (let i = 0; i < 2; i++) workers.push(spawnWorker({ connection, name, shards: 4, engine: FAST }));
      await Promise.all(workers.map((worker) => worker.ready));
      const added = new Map<QueueKey, string[]>();
      const add = async (index: number): Promise<void> => {
        const key = `key${index % 20}`;
        const label = `j${index}`;
        added.set(key, [...(added.get(key) ?? []), label]);
        await producer.add('step', { label, ms: 2 }, { key });
      };
      for (let i = 0; i < 100; i++) await add(i);
      await producer.resize(6);
      for (let i = 100; i < 200; i++) await add(i);
      const keys = testKeys(name);
      await waitUntil(async () => new Set(await redis.lrange(keys.done, 0, -1)).size === 200, 60_000, 'every job done');
      expect(orderViolations(await readStarts(redis, name), added)).toEqual([]);
      expect(tokenViolations(await readStarts(redis, name))).toEqual([]);

      // Each shard's keys share a slot; the six shards land on more than one master.
      const holders = new Set<string>();
      for (let shard = 0; shard < 6; shard++) {
        const slot = (await redis.cluster('KEYSLOT', `palisade:{${name}.s${shard}}:meta`)) as number;
        holders.add(redis.slots[slot]?.[0] as string);
      }
      expect(holders.size).toBeGreaterThan(1);
      await waitUntil(async () => (await producer.stats()).completed === 200, 10_000, 'the totals');
    } finally {
      await stopWorkers(workers);
      await producer.close();
      redis.disconnect();
      await cluster.stop();
    }
  });
});
