import { describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobContext } from '../jobs/types.js';
import { redisEngine } from './engine.js';

const fast = { lockDuration: 1000, leaseDuration: 1000, heartbeatInterval: 100, stalledInterval: 250 };

describeWithRedis('JobQueue on Redis', (fixture) => {
  it('runs jobs by name with per-key order and awaitable results', async () => {
    const log: string[] = [];
    const queue = new JobQueue({
      name: 'basic',
      engine: redisEngine({ connection: fixture.server.url, ...fast }),
      shards: 3,
      handlers: {
        echo: async (payload: { label: string }, context: JobContext) => {
          log.push(`${context.key}:${payload.label}`);
          return { upper: payload.label.toUpperCase(), token: await context.fencingToken() };
        },
      },
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(await queue.add('echo', { label: `j${i}` }, { key: `k${i % 5}` }));
      const results = await Promise.all(ids.map((id) => queue.result(id, { timeout: 20_000 })));
      expect(results.map((result) => (result as { upper: string }).upper)).toEqual(ids.map((_, i) => `J${i}`));
      for (let k = 0; k < 5; k++) {
        const mine = log.filter((entry) => entry.startsWith(`k${k}:`));
        expect(mine).toEqual([...Array(6)].map((_, j) => `k${k}:j${k + 5 * j}`));
      }
      const stats = await queue.stats();
      expect(stats.completed).toBe(30);
      expect(stats.shards.map((shard) => shard.id)).toEqual([0, 1, 2]);
      expect(stats.workers).toBe(1);
    } finally {
      await queue.close();
    }
  });
});

describe('redis engine options', () => {
  it('is a placeholder', () => {});
});
