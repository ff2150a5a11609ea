import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { JobQueue } from '../jobs/job-queue.js';
import { instrumentJobQueue } from '../otel.js';
import { TestMetrics } from '../otel.test-util.js';
import { redisEngine } from './engine.js';

const fast = { lockDuration: 1000, leaseDuration: 1000, heartbeatInterval: 100, stalledInterval: 250 };
const NAME = { 'palisade.queue.name': 'otel' };

describeWithRedis('instrumentJobQueue on Redis', (fixture) => {
  it('reads the queue’s stats from Redis when metrics are collected, and times the attempts it runs', async () => {
    const queue = new JobQueue({
      name: 'otel',
      engine: redisEngine({ connection: fixture.server.url, ...fast }),
      shards: 2,
      handlers: { echo: async (payload: { n: number }) => payload.n },
    });
    const telemetry = new TestMetrics();
    instrumentJobQueue(queue, { name: 'otel', meterProvider: telemetry.meterProvider });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await queue.add('echo', { n: i }, { key: `k${i % 3}` }));
      await Promise.all(ids.map((id) => queue.result(id, { timeout: 20_000 })));
      expect(await telemetry.value('palisade.queue.job.finished', { 'palisade.queue.outcome': 'completed' })).toBe(10);
      expect(await telemetry.value('palisade.queue.job.workers', NAME)).toBe(1);
      expect(await telemetry.value('palisade.queue.job.shards', { 'palisade.queue.shard.state': 'active' })).toBe(2);
      const backlog = await telemetry.points('palisade.queue.job.backlog');
      expect(backlog.map((point) => point.attributes['palisade.queue.shard']).sort()).toEqual([0, 1]);
      expect(
        (await telemetry.histogram('palisade.queue.job.duration', { 'palisade.queue.outcome': 'completed' }))?.count,
      ).toBe(10);
    } finally {
      await queue.close();
    }
  });
});
