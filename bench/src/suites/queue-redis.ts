import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type JobHandoffEvent, JobQueue } from '@palisade/queue';
import { redisEngine } from '@palisade/queue/redis';
import { Queue } from 'bullmq';
import { Queue as GroupQueue } from 'groupmq';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../../scripts/lib/redis-server.ts';
import { formatRate, median, type Suite, type Target, table, targetTable } from '../harness.ts';
import {
  type Contender,
  KEY_COUNT,
  keyOf,
  rawQueueName,
  SHARDS,
  shardOf,
  type WorkerMessage,
  type WorkerSpec,
} from '../queue-redis/layout.ts';

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const ROUNDS = envNumber('BENCH_ROUNDS', 3);
const JOBS = 6000;
const WORKERS = 2;
const workerScript = fileURLToPath(new URL('../queue-redis/worker.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface BenchWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Latest completed count, by the time it was reported. */
  done: number;
  readonly starts: Array<{ label: string; at: number }>;
  onCount: (() => void) | undefined;
  onStart: ((label: string, at: number) => void) | undefined;
}

function spawnWorker(spec: WorkerSpec): BenchWorker {
  const child = spawn(process.execPath, [workerScript, JSON.stringify(spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const worker: BenchWorker = {
    child,
    ready: new Promise<void>((resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`a ${spec.contender} worker exited (${code}) before it was ready`)),
      );
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'count') {
          worker.done = message.done;
          worker.onCount?.();
        } else {
          worker.starts.push({ label: message.label, at: message.at });
          worker.onStart?.(message.label, message.at);
        }
      });
    }),
    done: 0,
    starts: [],
    onCount: undefined,
    onStart: undefined,
  };
  worker.ready.catch(() => {});
  return worker;
}

async function stopWorkers(workers: readonly BenchWorker[]): Promise<void> {
  await Promise.all(
    workers.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ command: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Adds `jobs` jobs for `contender` before any worker runs; keys cycle over KEY_COUNT users. */
async function prefill(contender: Contender, url: string, name: string, jobs: number): Promise<void> {
  const batch = 200;
  if (contender === 'palisade') {
    const producer = new JobQueue({
      name,
      engine: redisEngine({ connection: url }),
      shards: SHARDS,
      work: false,
      handlers: { job: (_payload: { label: string }) => undefined },
    });
    for (let start = 0; start < jobs; start += batch) {
      const adds: Promise<string>[] = [];
      for (let i = start; i < Math.min(jobs, start + batch); i++) {
        adds.push(producer.add('job', { label: `j${i}` }, { key: keyOf(i) }));
      }
      await Promise.all(adds);
    }
    await producer.close();
  } else if (contender === 'bullmq') {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queues = Array.from({ length: SHARDS }, (_, shard) => new Queue(rawQueueName(shard), { connection }));
    for (const queue of queues) await queue.setGlobalConcurrency(1);
    for (let start = 0; start < jobs; start += batch) {
      const byShard = queues.map(() => [] as { name: string; data: { label: string } }[]);
      for (let i = start; i < Math.min(jobs, start + batch); i++) {
        byShard[shardOf(keyOf(i))]?.push({ name: 'job', data: { label: `j${i}` } });
      }
      await Promise.all(queues.map((queue, shard) => queue.addBulk(byShard[shard] ?? [])));
    }
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
  } else {
    const redis = new Redis(url);
    const queue = new GroupQueue({ redis, namespace: name, keepCompleted: 0 });
    for (let start = 0; start < jobs; start += batch) {
      const adds: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(jobs, start + batch); i++) {
        adds.push(queue.add({ groupId: keyOf(i), data: { label: `j${i}` } }));
      }
      await Promise.all(adds);
    }
    await queue.close();
    redis.disconnect();
  }
}

/** The BullMQ queues of a contender's shards, for pausing them while the jobs are added (GroupMQ has no pause). */
function shardQueues(contender: Contender, connection: Redis, name: string): Queue[] {
  if (contender === 'groupmq') return [];
  return Array.from({ length: SHARDS }, (_, shard) =>
    contender === 'palisade'
      ? new Queue(`{${name}.s${shard}}`, { connection, prefix: 'palisade' })
      : new Queue(rawQueueName(shard), { connection }),
  );
}

/**
 * Jobs per second between 10% and 90% of the jobs done. The jobs are added
 * with the shards paused, the worker processes are started (loaded,
 * connected, and for palisade holding their leases), and only then do the
 * shards resume: a process's start-up is not measured, nor is the tail.
 */
async function throughput(
  contender: Contender,
  url: string,
  workers: number,
  cpu: number,
  jobs: number,
  fencing = false,
): Promise<number> {
  const admin = new Redis(url, { maxRetriesPerRequest: null });
  await admin.flushall();
  const name = `bench-${contender}`;
  const queues = shardQueues(contender, admin, name);
  for (const queue of queues) await queue.pause();
  await prefill(contender, url, name, jobs);
  const spec: WorkerSpec = {
    contender,
    url,
    name,
    cpu,
    fencing,
    concurrency: Math.max(1, Math.ceil(SHARDS / workers)),
  };
  const running = Array.from({ length: workers }, () => spawnWorker(spec));
  try {
    await Promise.all(running.map((worker) => worker.ready));
    for (const worker of running) worker.child.send({ command: 'go' });
    if (contender === 'palisade') {
      // Every shard leased, and spread over every process.
      for (;;) {
        const owners = await Promise.all(
          queues.map((_, shard) => admin.get(`palisade:{${name}.s${shard}}:palisade:lease`)),
        );
        if (owners.every((owner) => owner !== null) && new Set(owners).size === Math.min(workers, SHARDS)) break;
        await sleep(50);
      }
    } else if (contender === 'bullmq') {
      await sleep(500);
    }
    let t10 = 0;
    let t90 = 0;
    const finished = new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`${contender}: ${jobs} jobs not done in 120 s`)), 120_000);
      const check = (): void => {
        const total = running.reduce((sum, worker) => sum + worker.done, 0);
        const now = performance.now();
        if (t10 === 0 && total >= jobs * 0.1) t10 = now;
        if (t90 === 0 && total >= jobs * 0.9) {
          t90 = now;
          clearTimeout(timeout);
          resolve();
        }
      };
      for (const worker of running) worker.onCount = check;
    });
    for (const queue of queues) await queue.resume();
    await finished;
    return (jobs * 0.8) / ((t90 - t10) / 1000);
  } finally {
    await stopWorkers(running);
    await Promise.all(queues.map((queue) => queue.close()));
    admin.disconnect();
  }
}

interface Run {
  readonly label: string;
  readonly contender: Contender;
  readonly workers: number;
  readonly cpu: number;
  readonly fencing?: boolean;
}

/** Every run once per round, in rotated order; the rates of each run by round. */
async function throughputRounds(runs: readonly Run[], url: string, jobs: number): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(runs.map((run) => [run.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(i + round) % runs.length] as Run;
      samples.get(run.label)?.push(await throughput(run.contender, url, run.workers, run.cpu, jobs, run.fencing));
    }
  }
  return samples;
}

/** The median over rounds of a / b within each round: a shared machine's slow spells hit both sides of a round alike. */
const pairedRatio = (a: readonly number[] | undefined, b: readonly number[] | undefined): number =>
  median((a ?? []).map((value, round) => value / ((b ?? [])[round] as number)));

/** Kills a palisade worker mid-job (default options) and times until another worker starts that job again. */
async function redelivery(url: string, engine: Record<string, number> | undefined): Promise<number> {
  const flush = new Redis(url);
  await flush.flushall();
  flush.disconnect();
  const name = 'bench-redelivery';
  await prefill('palisade', url, name, 400);
  const spec: WorkerSpec = {
    contender: 'palisade',
    url,
    name,
    cpu: 50,
    reportStarts: true,
    ...(engine ? { engine } : {}),
  };
  const running = [spawnWorker(spec), spawnWorker(spec)];
  try {
    await Promise.all(running.map((worker) => worker.ready));
    for (const worker of running) worker.child.send({ command: 'go' });
    // Both workers at work (the shards have spread), then the first one dies mid-job.
    while (running.some((worker) => worker.starts.length < 5)) await sleep(20);
    const [victim, survivor] = running as [BenchWorker, BenchWorker];
    const inFlight = await new Promise<string>((resolve) => {
      victim.onStart = (label) => resolve(label);
    });
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const restartedAt = await new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('the killed job was not redelivered within 60 s')), 60_000);
      survivor.onStart = (label, at) => {
        if (label === inFlight) {
          clearTimeout(timeout);
          resolve(at);
        }
      };
    });
    return restartedAt - killedAt;
  } finally {
    await stopWorkers(running);
  }
}

/**
 * Resizes back and forth under a steady load and times each handoff: from
 * the call to resize() (the receiving shards pause) to the moment they
 * resume. A moving key's new jobs wait at most that long, plus their turn.
 */
async function resizePauses(url: string, samples: number): Promise<number[]> {
  const flush = new Redis(url);
  await flush.flushall();
  flush.disconnect();
  const name = 'bench-resize';
  const spec: WorkerSpec = { contender: 'palisade', url, name, cpu: 1 };
  const running = [spawnWorker(spec), spawnWorker(spec)];
  const producer = new JobQueue({
    name,
    engine: redisEngine({ connection: url }),
    shards: SHARDS,
    work: false,
    handlers: { job: (_payload: { label: string }) => undefined },
  });
  let stop = false;
  let added = 0;
  const load = (async () => {
    while (!stop) {
      await producer.add('job', { label: `j${added}` }, { key: keyOf(added) });
      added++;
      if (added % 10 === 0) await sleep(20);
    }
  })();
  const pauses: number[] = [];
  try {
    await Promise.all(running.map((worker) => worker.ready));
    for (const worker of running) worker.child.send({ command: 'go' });
    await sleep(2000);
    for (let i = 0; i < samples; i++) {
      let openedAt = 0;
      const listening = producer.onHandoff((_event: JobHandoffEvent) => {
        openedAt = performance.now();
      });
      const started = performance.now();
      await producer.resize(i % 2 === 0 ? SHARDS + 1 : SHARDS);
      listening.dispose();
      pauses.push(openedAt - started);
      await sleep(300);
    }
  } finally {
    stop = true;
    await load;
    await producer.close();
    await stopWorkers(running);
  }
  return pauses;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const rates = (values: readonly number[] | undefined): string => (values ?? []).map((v) => formatRate(v)).join(', ');

const suite: Suite = {
  title: '@palisade/queue on Redis (the BullMQ engine)',
  async run() {
    const server = await startRedisServer();
    const loadBefore = loadavg()[0] as number;
    try {
      const url = server.url;
      const PALISADE = 'palisade JobQueue, redisEngine';
      const FENCED = 'palisade, every job asks for its fencing token';
      const RAW = 'raw BullMQ, same layout';
      const GROUPMQ = 'GroupMQ 1.1';
      const throughputSamples = await throughputRounds(
        [
          { label: PALISADE, contender: 'palisade', workers: WORKERS, cpu: 0 },
          { label: FENCED, contender: 'palisade', workers: WORKERS, cpu: 0, fencing: true },
          { label: RAW, contender: 'bullmq', workers: WORKERS, cpu: 0 },
          { label: GROUPMQ, contender: 'groupmq', workers: WORKERS, cpu: 0 },
        ],
        url,
        JOBS,
      );
      const rateOf = (label: string): number => median(throughputSamples.get(label) ?? []);
      const ratioOf = (label: string): number => pairedRatio(throughputSamples.get(label), throughputSamples.get(RAW));

      const SCALE = 2000;
      const scaling = await throughputRounds(
        [
          { label: 'palisade 1', contender: 'palisade', workers: 1, cpu: 1 },
          { label: 'palisade 2', contender: 'palisade', workers: 2, cpu: 1 },
          { label: 'raw 1', contender: 'bullmq', workers: 1, cpu: 1 },
          { label: 'raw 2', contender: 'bullmq', workers: 2, cpu: 1 },
        ],
        url,
        SCALE,
      );
      const scaleOf = (label: string): number => median(scaling.get(label) ?? []);

      const redeliveries: number[] = [];
      for (let i = 0; i < ROUNDS; i++) redeliveries.push(await redelivery(url, undefined));
      const pauses = await resizePauses(url, 10);

      const throughputTable = table(
        ['contender', 'jobs/s (median)', '× raw BullMQ (median of rounds)', 'rounds'],
        [PALISADE, FENCED, RAW, GROUPMQ].map((label) => [
          label,
          formatRate(rateOf(label)),
          `${ratioOf(label).toFixed(2)}×`,
          rates(throughputSamples.get(label)),
        ]),
      );
      const scalingTable = table(
        ['contender', '1 process', '2 processes', '2 ÷ 1 (median of rounds)'],
        [
          [
            'palisade',
            formatRate(scaleOf('palisade 1')),
            formatRate(scaleOf('palisade 2')),
            `${pairedRatio(scaling.get('palisade 2'), scaling.get('palisade 1')).toFixed(2)}×`,
          ],
          [
            'raw BullMQ',
            formatRate(scaleOf('raw 1')),
            formatRate(scaleOf('raw 2')),
            `${pairedRatio(scaling.get('raw 2'), scaling.get('raw 1')).toFixed(2)}×`,
          ],
        ],
      );
      const targets: Target[] = [
        {
          label: 'jobs/s with per-key order ÷ raw BullMQ (same layout, same workers)',
          measured: ratioOf(PALISADE),
          limit: 0.8,
          kind: 'min',
          format: (v) => `${v.toFixed(2)}×`,
        },
        {
          label: 'redelivery after kill -9, default options (median)',
          measured: median(redeliveries),
          limit: 10_000,
          kind: 'max',
          format: ms,
        },
      ];
      return [
        `One redis-server (no persistence), ${SHARDS} shards, ${KEY_COUNT} keys, ${WORKERS} worker processes unless stated. palisade's shards are BullMQ queues with global concurrency 1; the raw BullMQ contender has the same ${SHARDS} hash-tagged queues with global concurrency 1, each process running a BullMQ worker on every one of them, and keys routed to them by the same rendezvous hash; GroupMQ has one queue whose groups are the keys, and runs ${SHARDS} jobs at once in total like the others. Each run adds its jobs with the shards paused, starts the processes, resumes the shards, and measures from 10% to 90% of the jobs done; ${ROUNDS} rounds in rotated order, medians. The machine is shared and noisy: ratios are taken within each round, where both sides saw the same conditions, and their median is reported.`,
        `Load average (1 min) when the suite started: ${loadBefore.toFixed(1)}; when it ended: ${(loadavg()[0] as number).toFixed(1)}. Above 2, other work shared the two cores, and the scaling figures in particular say little.`,
        '### Targets (issue 14)',
        targetTable(targets),
        `### Jobs per second, ${JOBS} jobs that do nothing`,
        'Every contender keeps per-key order. A palisade job that asks for its fencing token costs one more Redis command (a script that checks the lock); the second row is what that costs when every job asks.',
        throughputTable,
        `### Scaling from 1 to 2 worker processes, ${SCALE} jobs of 1 ms CPU each`,
        'The machine has 2 cores and Redis takes one of them, so two processes share one core.',
        scalingTable,
        '### Redelivery after kill -9 of a worker, default options',
        `lockDuration 5000, leaseDuration 5000, heartbeatInterval 500, stalledInterval 1000 (the documented bound: leaseDuration + heartbeatInterval + 2 × stalledInterval = 7.5 s, plus a worker's start on the shard). Time from the kill to the start of the killed job on the other process, ${ROUNDS} runs: ${redeliveries.map(ms).join(', ')}; median ${ms(median(redeliveries))}.`,
        '### The pause a moving key sees during a resize, default options',
        `From the call to resize() until the receiving shards resume, ${pauses.length} resizes between ${SHARDS} and ${SHARDS + 1} shards under a steady load: p50 ${ms(percentile(pauses, 50))}, p99 ${ms(percentile(pauses, 99))} (with ${pauses.length} samples the p99 is the largest). Most of it is the wait for every process to acknowledge the new ring, which each does on its next heartbeat.`,
      ].join('\n\n');
    } finally {
      await server.stop();
    }
  },
};

export default suite;
