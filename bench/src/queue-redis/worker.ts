// One worker process of the queue-redis suite: `node worker.ts '<WorkerSpec JSON>'`. It runs one contender's
// workers and reports its completed jobs to the suite every few milliseconds.
import { JobQueue } from '@palisade/queue';
import { redisEngine } from '@palisade/queue/redis';
import { Worker } from 'bullmq';
import { Queue as GroupQueue, Worker as GroupWorker } from 'groupmq';
import { Redis } from 'ioredis';
import { rawQueueName, SHARDS, type WorkerMessage, type WorkerSpec } from './layout.ts';

const spec = JSON.parse(process.argv[2] as string) as WorkerSpec;
const send = (message: WorkerMessage): void => void process.send?.(message);
let done = 0;

function work(label: string): void {
  if (spec.reportStarts === true) send({ type: 'start', label, at: Date.now() });
  if (spec.cpu > 0) {
    const until = performance.now() + spec.cpu;
    while (performance.now() < until) {
      // The job: CPU only, so that the figures measure the queue and the CPU it leaves.
    }
  }
  done++;
}

// Everything is imported and connected before the suite says go, so a process's start-up is not measured.
await new Promise<void>((resolve) => {
  process.on('message', (message: { command?: string }) => {
    if (message.command === 'go') resolve();
  });
  send({ type: 'ready' });
});

const closers: Array<() => Promise<unknown>> = [];
if (spec.contender === 'palisade') {
  const queue = new JobQueue({
    name: spec.name,
    engine: redisEngine({ connection: spec.url, ...spec.engine }),
    shards: SHARDS,
    handlers: {
      job: async (payload: { label: string }, context) => {
        if (spec.fencing === true) await context.fencingToken();
        work(payload.label);
      },
    },
  });
  closers.push(() => queue.close());
} else if (spec.contender === 'bullmq') {
  const connection = new Redis(spec.url, { maxRetriesPerRequest: null });
  for (let shard = 0; shard < SHARDS; shard++) {
    const worker = new Worker(rawQueueName(shard), async (job) => work(job.data.label), {
      connection,
      concurrency: 1,
      removeOnComplete: { count: 1000 },
    });
    worker.on('error', () => {});
    closers.push(() => worker.close());
  }
} else {
  const redis = new Redis(spec.url);
  const queue = new GroupQueue({ redis, namespace: spec.name, keepCompleted: 0 });
  const worker = new GroupWorker({
    queue,
    concurrency: spec.concurrency ?? SHARDS,
    handler: async (job) => work((job.data as { label: string }).label),
  });
  worker.run();
  closers.push(() => worker.close(5000));
}

const report = setInterval(() => send({ type: 'count', done, at: Date.now() }), 20);
process.on('message', async (message: { command?: string }) => {
  if (message.command !== 'close') return;
  clearInterval(report);
  await Promise.allSettled(closers.map((close) => close()));
  process.exit(0);
});
