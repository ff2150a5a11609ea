import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import type { QueueKey } from '../key.js';
import {
  FAST,
  orderViolations,
  readStarts,
  type StepPayload,
  spawnWorker,
  stepProducer,
  stopWorkers,
  testKeys,
  tokenViolations,
  type WorkerProcess,
  waitUntil,
} from './harness.test-util.js';

describeWithRedis('kill -9 of a worker mid-job', (fixture) => {
  it('every job completes, per-key order holds, duplicates ≤ jobs in flight, redelivery within the bound', async () => {
    const name = 'crash';
    const url = fixture.server.url;
    const redis = new Redis(url);
    const workers: WorkerProcess[] = [];
    const producer = stepProducer(url, name, 4);
    try {
      for (let i = 0; i < 3; i++)
        workers.push(spawnWorker({ connection: url, name, shards: 4, engine: FAST, metrics: true }));
      await Promise.all(workers.map((worker) => worker.ready));
      // Wait for the leases to spread: each worker holds at least one shard.
      await waitUntil(
        async () => new Set((await producer.stats()).shards.map((shard) => shard.owner)).size === 3,
        10_000,
        'leases on three workers',
      );
      const added = new Map<QueueKey, string[]>();
      const total = 300;
      for (let i = 0; i < total; i++) {
        const key = `key${i % 30}`;
        const label = `j${i}`;
        added.set(key, [...(added.get(key) ?? []), label]);
        await producer.add('step', { label, ms: 15 }, { key });
      }
      const keys = testKeys(name);
      await waitUntil(async () => (await redis.llen(keys.done)) >= total * 0.3, 30_000, '30% of the jobs');
      // The jobs in BullMQ's active lists of the shards a worker holds (their leases name it).
      const activeOn = async (worker: WorkerProcess): Promise<string[]> => {
        const shards = (await producer.stats()).shards.filter((shard) => shard.owner?.includes(`/${worker.pid}/`));
        const labels: string[] = [];
        for (const shard of shards) {
          for (const id of await redis.lrange(`palisade:{${name}.s${shard.id}}:active`, 0, -1)) {
            const data = JSON.parse((await redis.hget(`palisade:{${name}.s${shard.id}}:${id}`, 'data')) as string) as {
              p: string;
            };
            labels.push((JSON.parse(data.p) as StepPayload).label);
          }
        }
        return labels;
      };
      // The victim: a worker frozen (SIGSTOP) while a job of its is active, so that the job cannot finish
      // between the look and the kill; a worker found between two jobs is let go and the search goes on.
      let victim: WorkerProcess | undefined;
      const inFlight = new Set<string>();
      await waitUntil(
        async () => {
          const done = new Set(await redis.lrange(keys.done, 0, -1));
          const running = (await readStarts(redis, name)).filter((start) => !done.has(start.label));
          const candidate = workers.find((worker) => running.some((start) => start.pid === worker.pid));
          if (candidate === undefined) return false;
          candidate.kill('SIGSTOP');
          const active = await activeOn(candidate);
          if (active.length === 0) {
            candidate.kill('SIGCONT');
            return false;
          }
          for (const label of active) inFlight.add(label);
          victim = candidate;
          return true;
        },
        10_000,
        'a worker frozen mid-job',
        5,
      );
      const chosen = victim as WorkerProcess | undefined;
      if (chosen === undefined) throw new Error('no victim');
      chosen.kill('SIGKILL');
      const killedAt = Date.now();
      await chosen.exited;

      await waitUntil(
        async () => new Set(await redis.lrange(keys.done, 0, -1)).size === total,
        60_000,
        'every job done',
      );
      const starts = await readStarts(redis, name);
      expect(orderViolations(starts, added)).toEqual([]);
      expect(tokenViolations(starts)).toEqual([]);
      const startsOf = new Map<string, number>();
      for (const start of starts) startsOf.set(start.label, (startsOf.get(start.label) ?? 0) + 1);
      const duplicates = [...startsOf.values()].filter((count) => count > 1).length;
      expect(duplicates).toBeLessThanOrEqual(inFlight.size);
      expect(inFlight.size).toBeGreaterThan(0);
      // Redelivery: the killed jobs' second starts, measured from the kill.
      const redelivered = starts.filter((start) => inFlight.has(start.label) && start.pid !== chosen.pid);
      expect(redelivered.length).toBe(inFlight.size);
      // The survivors said so: the stall checker's onStalled, and onRedelivered where the jobs started again.
      const survivorEvents = workers.filter((worker) => worker !== chosen).flatMap((worker) => worker.events);
      expect(survivorEvents.filter((event) => event.event === 'onStalled').length).toBeGreaterThanOrEqual(
        inFlight.size,
      );
      expect(survivorEvents.filter((event) => event.event === 'onRedelivered').length).toBe(inFlight.size);
      // And their instrumentation counted the same: palisade.queue.job.stalls and redeliveries.
      const survivorMetrics = await Promise.all(
        workers.filter((worker) => worker !== chosen).map((worker) => worker.metrics()),
      );
      const summed = (metric: string) => survivorMetrics.reduce((sum, values) => sum + (values[metric] ?? 0), 0);
      expect(summed('palisade.queue.job.redeliveries')).toBe(inFlight.size);
      expect(summed('palisade.queue.job.stalls')).toBeGreaterThanOrEqual(inFlight.size);
      const redelivery = Math.max(...redelivered.map((start) => start.at)) - killedAt;
      // The bound with these options: leaseDuration + heartbeatInterval + 2 × stalledInterval = 1.6 s; generous margin for a busy machine.
      expect(redelivery).toBeLessThan(10_000);
      // BullMQ counts a job completed a moment after its handler returned.
      await waitUntil(
        async () => (await producer.stats()).completed === total,
        10_000,
        'the totals to count every job',
      );
      expect((await producer.stats()).workers).toBe(2);
    } finally {
      await stopWorkers(workers);
      await producer.close();
      redis.disconnect();
    }
  });
});
