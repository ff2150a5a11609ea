// A worker process of the Redis tests: `node --import ./source-hooks.test-util.ts worker-process.test-util.ts`,
// with its spec in PALISADE_WORKER_SPEC. It runs the `step` handler, which
// records every start and every fenced write in Redis lists the test reads.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Cluster, Redis } from 'ioredis';
import { boundedLoadRouter } from '../bounded-load-router.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobContext } from '../jobs/types.js';
import { jumpRouter } from '../jump-router.js';
import { instrumentJobQueue } from '../otel.js';
import { rendezvousRouter } from '../rendezvous-router.js';
import { redisEngine } from './engine.js';
import { fencedWrite, type StepPayload, testKeys, type WorkerSpec } from './harness.test-util.js';

const spec = JSON.parse(process.env.PALISADE_WORKER_SPEC as string) as WorkerSpec;
const keys = testKeys(spec.name);
const redis =
  typeof spec.connection === 'object' && 'cluster' in spec.connection
    ? new Cluster([...spec.connection.cluster])
    : new Redis(spec.connection as string);
redis.on('error', () => {});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function step(payload: StepPayload, context: JobContext): Promise<unknown> {
  const token = await context.fencingToken();
  const started = {
    label: payload.label,
    key: context.key,
    attempt: context.attempt,
    token,
    pid: process.pid,
    shard: context.shard,
    at: Date.now(),
  };
  await redis.rpush(keys.starts, JSON.stringify(started));
  if (payload.cpu !== undefined) {
    const until = performance.now() + payload.cpu;
    while (performance.now() < until) {
      // Burns CPU: the scaling bench's unit of work.
    }
  }
  // Deliberately deaf to the signal: the fencing test needs a worker that carries on after it lost its lock.
  if (payload.ms !== undefined && payload.ms > 0) await sleep(payload.ms);
  if (payload.fail !== undefined && context.attempt <= payload.fail)
    throw new Error(`${payload.label} fails attempt ${context.attempt}`);
  if (payload.fenced === true) {
    const accepted = await fencedWrite(redis, keys.store, String(context.key), token, payload.label);
    await redis.rpush(keys.writes, JSON.stringify({ label: payload.label, token, pid: process.pid, accepted }));
  }
  await redis.rpush(keys.done, payload.label);
  return { label: payload.label, pid: process.pid };
}

const routers = { rendezvous: rendezvousRouter, jump: jumpRouter, 'bounded-load': boundedLoadRouter };
const queue = new JobQueue({
  name: spec.name,
  engine: redisEngine({ connection: spec.connection, ...spec.engine }),
  shards: spec.shards ?? 4,
  router: routers[spec.router ?? 'rendezvous'](),
  attempts: spec.attempts ?? 1,
  backoff: spec.backoff ?? 0,
  work: spec.work ?? true,
  handlers: { step },
});
for (const event of ['onStalled', 'onRedelivered', 'onHandoff', 'onMisroute'] as const) {
  queue[event]((payload: object) => process.send?.({ event, ...payload }));
}

/** Collects only when the test asks (the `metrics` command): what this process's instrumentation counted. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
const reader = new OnDemandReader();
instrumentJobQueue(queue, { name: spec.name, meterProvider: new MeterProvider({ readers: [reader] }) });

/** The sum of every point of each counter this process's instrumentation reports (its own events, not `stats()`). */
async function counters(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const sums: Record<string, number> = {};
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    for (const point of metric.dataPoints) {
      if (typeof point.value === 'number')
        sums[metric.descriptor.name] = (sums[metric.descriptor.name] ?? 0) + point.value;
    }
  }
  return sums;
}

process.on('message', (message: { command?: string }) => {
  if (message.command === 'metrics') {
    void counters().then((values) => process.send?.({ event: 'metrics', values }));
  }
  if (message.command === 'close') {
    void queue
      .close()
      .then(() => redis.quit())
      .then(() => process.exit(0));
  }
});
// Joined once stats() answers; Redis may be restarting when a worker starts.
for (let tries = 0; ; tries++) {
  try {
    await queue.stats();
    break;
  } catch (error) {
    if (tries === 30) throw error;
    await sleep(500);
  }
}
process.send?.({ event: 'ready', pid: process.pid });
