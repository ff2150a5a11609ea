import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { JobFailedError } from '../jobs/errors.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobContext, JobFailedEvent } from '../jobs/types.js';
import { redisEngine } from './engine.js';
import { FAST, waitUntil } from './harness.test-util.js';

describeWithRedis('retries on Redis', (fixture) => {
  it('a failing job is retried at the head of its shard: the key (and its shard) wait for it', async () => {
    const log: string[] = [];
    const tokens: number[] = [];
    const failures: JobFailedEvent[] = [];
    const queue = new JobQueue({
      name: 'retries',
      engine: redisEngine({ connection: fixture.server.url, ...FAST }),
      shards: 1,
      attempts: 3,
      backoff: 200,
      handlers: {
        step: async (payload: { label: string; fail?: number }, context: JobContext) => {
          log.push(`${payload.label}#${context.attempt}`);
          tokens.push(await context.fencingToken());
          if (payload.fail !== undefined && context.attempt <= payload.fail) {
            throw new TypeError(`${payload.label} fails attempt ${context.attempt}`);
          }
          return payload.label;
        },
      },
    });
    queue.onFailed((event) => failures.push(event));
    try {
      const ids = [
        await queue.add('step', { label: 'a1', fail: 2 }, { key: 'a' }),
        await queue.add('step', { label: 'b1' }, { key: 'b' }),
        await queue.add('step', { label: 'a2' }, { key: 'a' }),
        await queue.add('step', { label: 'a3', fail: 9 }, { key: 'a' }),
        await queue.add('step', { label: 'a4' }, { key: 'a' }),
      ];
      expect(await queue.result(ids[0] as string, { timeout: 20_000 })).toBe('a1');
      expect(await queue.result(ids[4] as string, { timeout: 20_000 })).toBe('a4');
      expect(log).toEqual(['a1#1', 'a1#2', 'a1#3', 'b1#1', 'a2#1', 'a3#1', 'a3#2', 'a3#3', 'a4#1']);
      expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
      expect(new Set(tokens).size).toBe(tokens.length);
      const failed = await queue.result(ids[3] as string).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(JobFailedError);
      expect((failed as JobFailedError).attempts).toBe(3);
      expect(((failed as JobFailedError).cause as Error).name).toBe('TypeError');
      expect(((failed as JobFailedError).cause as Error).message).toBe('a3 fails attempt 3');
      expect(failures.map((event) => event.willRetry)).toEqual([true, true, true, true, false]);
      const stats = await queue.stats();
      expect(stats.completed).toBe(4);
      expect(stats.failed).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('for contrast, BullMQ’s own retry sends the failed job to the tail: the key’s next job overtakes it', async () => {
    const connection = new Redis(fixture.server.url, { maxRetriesPerRequest: null });
    const queue = new Queue('plain-retries', { connection });
    const log: string[] = [];
    let worker: Worker | undefined;
    try {
      for (const label of ['a1', 'a2']) await queue.add('step', { label }, { attempts: 2, backoff: 0 });
      worker = new Worker(
        'plain-retries',
        async (job) => {
          log.push(`${job.data.label}#${job.attemptsMade + 1}`);
          if (job.data.label === 'a1' && job.attemptsMade === 0) throw new Error('once');
        },
        { connection },
      );
      await waitUntil(() => log.length === 3, 10_000, 'three starts');
      expect(log).toEqual(['a1#1', 'a2#1', 'a1#2']);
    } finally {
      await worker?.close();
      await queue.close();
      connection.disconnect();
    }
  });
});
