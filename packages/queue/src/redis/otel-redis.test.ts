import { expect, it } from 'vitest';
import { TestMetrics } from '../../../../scripts/lib/otel-test.ts';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { QueueFullError } from '../errors.js';
import { JobQueue } from '../jobs/job-queue.js';
import { instrumentJobQueue } from '../otel.js';
import { redisEngine } from './engine.js';
import { FAST, waitUntil } from './harness.test-util.js';

const NAME = { 'palisade.queue.name': 'otel' };

describeWithRedis('instrumentJobQueue on Redis', (fixture) => {
  it('reads backlog, active and imbalance per shard from Redis, and counts rejections, attempts, jobs finished and a resize', async () => {
    const gate = { open: false };
    const queue = new JobQueue({
      name: 'otel',
      engine: redisEngine({ connection: fixture.server.url, ...FAST }),
      shards: 2,
      maxSize: 3,
      handlers: {
        hold: async () => {
          await waitUntil(() => gate.open, 20_000, 'the gate');
        },
      },
    });
    const telemetry = new TestMetrics();
    instrumentJobQueue(queue, { name: 'otel', meterProvider: telemetry.meterProvider });
    const perShard = async (metric: string) =>
      Object.fromEntries(
        (await telemetry.points(metric)).map((point) => [point.attributes['palisade.queue.shard'], point.value]),
      );
    try {
      // k0 and k1 land on different shards, and each runs one job at a time: two run, three wait, nothing moves.
      const ids = [await queue.add('hold', null, { key: 'k0' }), await queue.add('hold', null, { key: 'k1' })];
      await waitUntil(async () => (await queue.stats()).active === 2, 10_000, 'two running');
      for (const key of ['k0', 'k0', 'k1']) ids.push(await queue.add('hold', null, { key }));
      const stats = await queue.stats();
      expect(await perShard('palisade.queue.job.active')).toEqual({ 0: 1, 1: 1 });
      expect(await perShard('palisade.queue.job.backlog')).toEqual(
        Object.fromEntries(stats.shards.map((shard) => [shard.id, shard.backlog])),
      );
      expect(stats.backlog).toBe(3);
      expect(await telemetry.value('palisade.queue.job.imbalance', NAME)).toBe(stats.imbalance);
      expect(stats.imbalance).toBeGreaterThan(1);

      // maxSize counts the jobs waiting: a fourth is turned away, and counted.
      await expect(queue.add('hold', null, { key: 'x' })).rejects.toBeInstanceOf(QueueFullError);
      expect(await telemetry.value('palisade.queue.job.rejections', { 'palisade.queue.reject.reason': 'full' })).toBe(
        1,
      );

      gate.open = true;
      await Promise.all(ids.map((id) => queue.result(id, { timeout: 20_000 })));
      // BullMQ counts a job completed a moment after its result is stored: wait for the reading, not the results.
      await waitUntil(
        async () =>
          (await telemetry.value('palisade.queue.job.finished', { 'palisade.queue.outcome': 'completed' })) === 5,
        10_000,
        'five jobs finished',
      );
      await waitUntil(
        async () =>
          (await telemetry.histogram('palisade.queue.job.duration', { 'palisade.queue.outcome': 'completed' }))
            ?.count === 5,
        10_000,
        'five attempts timed',
      );
      expect(await telemetry.value('palisade.queue.job.workers', NAME)).toBe(1);

      await queue.resize(3);
      expect(await telemetry.value('palisade.queue.job.resizes', NAME)).toBe(1);
      expect(await telemetry.value('palisade.queue.job.shards', { 'palisade.queue.shard.state': 'active' })).toBe(3);
      await waitUntil(
        async () => (await telemetry.value('palisade.queue.job.handoffs', NAME)) === 1,
        10_000,
        'the handoff of the resize',
      );
    } finally {
      gate.open = true;
      await queue.close();
    }
  });
});
