import fc from 'fast-check';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { JobQueue } from '../jobs/job-queue.js';
import type { QueueKey } from '../key.js';
import { redisEngine } from './engine.js';
import {
  FAST,
  orderViolations,
  readStarts,
  type StepPayload,
  spawnWorker,
  stopWorkers,
  testKeys,
  tokenViolations,
  type WorkerProcess,
  waitUntil,
} from './harness.test-util.js';

type Op =
  | { readonly kind: 'add'; readonly count: number; readonly keys: readonly number[] }
  | { readonly kind: 'kill'; readonly which: number }
  | { readonly kind: 'restart'; readonly which: number }
  | { readonly kind: 'resize'; readonly count: number }
  | { readonly kind: 'redis' }
  | { readonly kind: 'wait'; readonly ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      count: fc.integer({ min: 1, max: 25 }),
      keys: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 25 }),
    }),
  },
  fc.record({ kind: fc.constant('kill' as const), which: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('restart' as const), which: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('resize' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.constant({ kind: 'redis' as const }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 300 }) }),
);

/** A schedule touches Redis' process at most once: a restart costs seconds. */
const scheduleArbitrary = fc
  .array(opArbitrary, { minLength: 3, maxLength: 8 })
  .filter((ops) => ops.filter((op) => op.kind === 'redis').length <= 1);

describeWithRedis(
  'random schedules of adds, worker kills and restarts, resizes and a Redis restart',
  (fixture) => {
    let run = 0;
    it('every job added completes, and per-key order holds (property, a few bounded runs)', async () => {
      await fc.assert(
        fc.asyncProperty(scheduleArbitrary, async (ops) => {
          run++;
          const name = `schedule${run}`;
          const connection = fixture.server.url;
          const redis = new Redis(connection, { maxRetriesPerRequest: null });
          redis.on('error', () => {});
          const spawn = (): WorkerProcess => spawnWorker({ connection, name, shards: 3, engine: FAST });
          const workers: WorkerProcess[] = [spawn(), spawn()];
          const everyWorker = [...workers];
          const producer = new JobQueue({
            name,
            engine: redisEngine({ connection, ...FAST }),
            shards: 3,
            work: false,
            handlers: { step: (_payload: StepPayload) => null },
          });
          const added = new Map<QueueKey, string[]>();
          const resizes: Promise<unknown>[] = [];
          let next = 0;
          // Adds are repeated with the same id while Redis is away: a job id that exists is not added twice.
          const addOne = async (key: string): Promise<void> => {
            const label = `j${next++}`;
            added.set(key, [...(added.get(key) ?? []), label]);
            await waitUntil(
              () =>
                producer.add('step', { label, ms: 3 }, { key, id: `${name}-${label}` }).then(
                  () => true,
                  () => false,
                ),
              30_000,
              `the add of ${label}`,
              100,
            );
          };
          try {
            await Promise.all(workers.map((worker) => worker.ready));
            for (const op of ops) {
              if (op.kind === 'add') {
                for (let i = 0; i < op.count; i++) await addOne(`key${op.keys[i % op.keys.length]}`);
              } else if (op.kind === 'kill') {
                const victim = workers[op.which] as WorkerProcess;
                victim.kill('SIGKILL');
                workers[op.which] = spawn();
                everyWorker.push(workers[op.which] as WorkerProcess);
              } else if (op.kind === 'restart') {
                await (workers[op.which] as WorkerProcess).close();
                workers[op.which] = spawn();
                everyWorker.push(workers[op.which] as WorkerProcess);
              } else if (op.kind === 'resize') {
                // A resize that Redis' restart interrupts is finished by the workers; only its promise fails.
                resizes.push(producer.resize(op.count).catch(() => {}));
              } else if (op.kind === 'redis') {
                await fixture.server.kill();
                await new Promise((resolve) => setTimeout(resolve, 300));
                fixture.server = await fixture.server.restart();
              } else {
                await new Promise((resolve) => setTimeout(resolve, op.ms));
              }
            }
            await Promise.all(resizes);
            const total = next;
            await waitUntil(
              async () => new Set(await redis.lrange(testKeys(name).done, 0, -1)).size === total,
              60_000,
              `all ${total} jobs done`,
              100,
            ).catch(async (error: unknown) => {
              throw new Error(`${(error as Error).message}\n${await whereJobsAre(redis, name, added)}`);
            });
            expect(orderViolations(await readStarts(redis, name), added)).toEqual([]);
            expect(tokenViolations(await readStarts(redis, name))).toEqual([]);
          } finally {
            await stopWorkers(everyWorker);
            await producer.close();
            redis.disconnect();
          }
        }),
        {
          numRuns: Number(process.env.SCHEDULE_RUNS ?? 3),
          endOnFailure: true,
          // To replay a reported counterexample: SCHEDULE_SEED=<seed> SCHEDULE_PATH=<path>.
          ...(process.env.SCHEDULE_SEED === undefined ? {} : { seed: Number(process.env.SCHEDULE_SEED) }),
          ...(process.env.SCHEDULE_PATH === undefined ? {} : { path: process.env.SCHEDULE_PATH }),
        },
      );
    }, 600_000);
  },
  { appendOnly: true },
);

/** Where the jobs that did not finish are, for a failure's message. */
async function whereJobsAre(redis: Redis, name: string, added: ReadonlyMap<QueueKey, string[]>): Promise<string> {
  const done = new Set(await redis.lrange(testKeys(name).done, 0, -1));
  const missing = [...added.values()].flat().filter((label) => !done.has(label));
  const lines = [`not done: ${missing.join(',')}`];
  const starts = await readStarts(redis, name);
  for (const label of missing) {
    lines.push(`${label} started: ${JSON.stringify(starts.filter((start) => start.label === label))}`);
  }
  for (let shard = 0; shard < 8; shard++) {
    const prefix = `palisade:{${name}.s${shard}}`;
    const [wait, active, paused, delayed, prioritized, meta] = await Promise.all([
      redis.lrange(`${prefix}:wait`, 0, -1),
      redis.lrange(`${prefix}:active`, 0, -1),
      redis.lrange(`${prefix}:paused`, 0, -1),
      redis.zrange(`${prefix}:delayed`, '0', '-1'),
      redis.zrange(`${prefix}:prioritized`, '0', '-1'),
      redis.hgetall(`${prefix}:meta`),
    ]);
    const lease = await redis.get(`${prefix}:palisade:lease`);
    lines.push(
      `shard ${shard}: lease ${lease} wait ${wait.length} active ${active.join(',')} paused ${paused.length} delayed ${delayed.length} prioritized ${prioritized.length} meta ${JSON.stringify(meta)}`,
    );
  }
  lines.push(`members: ${JSON.stringify(await redis.zrange(`palisade:{${name}}:members`, '0', '-1', 'WITHSCORES'))}`);
  lines.push(`workers: ${JSON.stringify(await redis.zrange(`palisade:{${name}}:workers`, '0', '-1', 'WITHSCORES'))}`);
  lines.push(`redis time: ${JSON.stringify(await redis.time())}`);
  const clients = (await redis.client('LIST')) as string;
  lines.push(
    ...clients
      .split('\n')
      .filter((line) => !line.includes('name= '))
      .map((line) =>
        line.replace(
          / (fd|age|idle|flags|db|sub|psub|ssub|multi|watch|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem|events|user|redir|resp|lib-name|lib-ver|io-thread|tot-net-in|tot-net-out|tot-cmds|laddr)=\S*/g,
          '',
        ),
      ),
  );
  return lines.join('\n');
}
