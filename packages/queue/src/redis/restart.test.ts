import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { TestMetrics } from '../../../../scripts/lib/otel-test.ts';
import { describeWithRedis, type RedisFixture } from '../../../../scripts/lib/redis-test.ts';
import { JobNotFoundError, QueueUnavailableError } from '../jobs/errors.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobDataLossEvent } from '../jobs/types.js';
import type { QueueKey } from '../key.js';
import { instrumentJobQueue } from '../otel.js';
import { redisEngine } from './engine.js';
import {
  FAST,
  orderViolations,
  readStarts,
  type StepPayload,
  spawnWorker,
  stopWorkers,
  testKeys,
  waitUntil,
} from './harness.test-util.js';

const commandTimeout = 1000;

/** Two workers and a producer; 150 jobs, then Redis is killed mid-run, three adds fail, Redis restarts, the adds are repeated. */
async function killRedisMidRun(fixture: RedisFixture, name: string) {
  const url = fixture.server.url;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const workers = [0, 1].map(() => spawnWorker({ connection: url, name, shards: 4, engine: FAST }));
  const producer = new JobQueue({
    name,
    engine: redisEngine({ connection: url, ...FAST, commandTimeout }),
    shards: 4,
    work: false,
    handlers: { step: (_payload: StepPayload) => null },
  });
  const losses: JobDataLossEvent[] = [];
  producer.onDataLoss((event) => losses.push(event));
  const telemetry = new TestMetrics();
  instrumentJobQueue(producer, { name, meterProvider: telemetry.meterProvider });
  const added = new Map<QueueKey, string[]>();
  const ids = new Map<string, string>();
  const add = async (index: number): Promise<void> => {
    const key = `key${index % 15}`;
    const label = `j${index}`;
    ids.set(label, await producer.add('step', { label, ms: 10 }, { key, id: `job-${index}` }));
    added.set(key, [...(added.get(key) ?? []), label]);
  };
  await Promise.all(workers.map((worker) => worker.ready));
  for (let i = 0; i < 150; i++) await add(i);
  const keys = testKeys(name);
  await waitUntil(async () => (await redis.llen(keys.done)) >= 50, 30_000, 'a third of the jobs');
  const doneBeforeCrash = new Set(await redis.lrange(keys.done, 0, -1));
  await fixture.server.kill();

  // Redis is down: each add rejects within commandTimeout with QueueUnavailableError, and says what it left behind.
  const refused: QueueUnavailableError[] = [];
  for (let i = 150; i < 153; i++) {
    const started = Date.now();
    const error = await add(i).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect(Date.now() - started).toBeLessThan(commandTimeout + 2000);
    refused.push(error as QueueUnavailableError);
  }
  fixture.server = await fixture.server.restart();
  // Adding again with the same ids is safe whatever the first attempt left behind.
  for (let i = 150; i < 153; i++) {
    await waitUntil(
      () =>
        add(i).then(
          () => true,
          () => false,
        ),
      20_000,
      `the add of job ${i} to go through`,
      200,
    );
  }
  return { redis, workers, producer, losses, telemetry, added, ids, refused, doneBeforeCrash, keys };
}

describeWithRedis(
  'kill -9 of Redis, restarted with AOF (appendfsync always)',
  (fixture) => {
    it('nothing is lost: every job whose add resolved completes, in per-key order', async () => {
      const run = await killRedisMidRun(fixture, 'restart-aof');
      try {
        expect(run.refused.every((error) => error.persisted === 'no' || error.persisted === 'unknown')).toBe(true);
        await waitUntil(
          async () => new Set(await run.redis.lrange(run.keys.done, 0, -1)).size === 153,
          60_000,
          'every job done',
        );
        expect(orderViolations(await readStarts(run.redis, 'restart-aof'), run.added)).toEqual([]);
        expect(run.losses).toEqual([]);
        for (const id of run.ids.values())
          await expect(run.producer.result(id, { timeout: 10_000 })).resolves.toBeDefined();
      } finally {
        await stopWorkers(run.workers);
        await run.producer.close();
        run.redis.disconnect();
      }
    });
  },
  { appendOnly: true },
);

describeWithRedis('kill -9 of Redis, restarted without persistence', (fixture) => {
  it('the loss is reported: onDataLoss fires, and the lost jobs’ results reject with JobNotFoundError', async () => {
    const run = await killRedisMidRun(fixture, 'restart-none');
    try {
      await waitUntil(() => run.losses.length > 0, 10_000, 'onDataLoss');
      expect(run.losses[0]?.previousGeneration).not.toBe(run.losses[0]?.generation);
      // palisade.queue.job.data_losses counts the same events (another may come while the reader collects).
      const reported = run.losses.length;
      const counted = await run.telemetry.value('palisade.queue.job.data_losses', {
        'palisade.queue.name': 'restart-none',
      });
      expect(counted).toBeGreaterThanOrEqual(reported);
      expect(counted).toBeLessThanOrEqual(run.losses.length);
      // The jobs re-added after the restart run; the ones stored before it are gone, and result says so.
      for (let i = 150; i < 153; i++) {
        await expect(run.producer.result(`job-${i}`, { timeout: 20_000 })).resolves.toEqual(
          expect.objectContaining({ label: `j${i}` }),
        );
      }
      const lost = [...run.ids.entries()].filter(
        ([label]) => Number(label.slice(1)) < 150 && !run.doneBeforeCrash.has(label),
      );
      expect(lost.length).toBeGreaterThan(0);
      // A job the crash caught running may finish after the restart (its worker stores the outcome again); the others are gone.
      const notFound = await Promise.all(
        lost.map(([, id]) =>
          run.producer.result(id, { timeout: 5000 }).then(
            () => 0,
            (error: unknown) => (error instanceof JobNotFoundError ? 1 : 0),
          ),
        ),
      );
      expect(notFound.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      await stopWorkers(run.workers);
      await run.producer.close();
      run.redis.disconnect();
    }
  });
});
