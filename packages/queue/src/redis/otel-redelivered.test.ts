import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { testTracing } from '../../../../scripts/lib/otel-test.ts';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { JobQueue } from '../jobs/job-queue.js';
import { instrumentJobQueue } from '../otel.js';
import { redisEngine } from './engine.js';
import {
  FAST,
  type StepPayload,
  spawnWorker,
  stepProducer,
  stopWorkers,
  testKeys,
  waitUntil,
} from './harness.test-util.js';

const tracing = testTracing();

describeWithRedis('instrumentJobQueue on Redis: span events', (fixture) => {
  it('a job redelivered after its worker was killed adds palisade.queue.job.redelivered to the span active where the new worker runs', async () => {
    const name = 'redelivered';
    const url = fixture.server.url;
    const redis = new Redis(url);
    const crashed = spawnWorker({ connection: url, name, shards: 1, engine: FAST });
    const handlers = { step: (payload: StepPayload) => ({ label: payload.label, pid: process.pid }) };
    let survivor: JobQueue<typeof handlers> | undefined;
    try {
      await crashed.ready;
      const producer = stepProducer(url, name, 1);
      const id = await producer.add('step', { label: 'transfer', ms: 60_000 }, { key: 'account-7' });
      await waitUntil(async () => (await redis.llen(testKeys(name).starts)) === 1, 10_000, 'the job to start');

      // The surviving worker starts inside a span: the AsyncLocalStorage context carries it into the worker's loops.
      await tracing.tracer().startActiveSpan('worker', async (span) => {
        survivor = new JobQueue({
          name,
          engine: redisEngine({ connection: url, ...FAST }),
          shards: 1,
          handlers,
        });
        instrumentJobQueue(survivor, { name });
        crashed.kill('SIGKILL');
        await crashed.exited;
        expect(await producer.result(id, { timeout: 20_000 })).toEqual({ label: 'transfer', pid: process.pid });
        span.end();
      });
      await producer.close();

      const [worker] = tracing.finished();
      expect(worker?.events.map((event) => ({ name: event.name, attributes: event.attributes }))).toEqual([
        {
          name: 'palisade.queue.job.redelivered',
          attributes: {
            'palisade.queue.name': name,
            'palisade.queue.shard': 0,
            'palisade.queue.job.deliveries': 2,
          },
        },
      ]);
    } finally {
      await survivor?.close();
      await stopWorkers([crashed]);
      redis.disconnect();
    }
  });
});
