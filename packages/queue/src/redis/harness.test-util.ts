import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { JobQueue } from '../jobs/job-queue.js';
import type { QueueKey } from '../key.js';
import type { RedisConnection } from './connection.js';
import { redisEngine } from './engine.js';
import type { RedisEngineOptions } from './options.js';

/** Short locks and leases, so that a redelivery takes a second or two, not a minute. */
export const FAST = {
  lockDuration: 1000,
  leaseDuration: 1000,
  heartbeatInterval: 100,
  stalledInterval: 250,
  commandTimeout: 3000,
} as const;

/** A queue in the test process that adds `step` jobs for the worker processes and runs none itself. */
export function stepProducer(connection: RedisConnection, name: string, shards: number) {
  return new JobQueue({
    name,
    engine: redisEngine({ connection, ...FAST }),
    shards,
    work: false,
    handlers: { step: (_payload: StepPayload) => null },
  });
}

export interface WorkerSpec {
  readonly connection: RedisConnection;
  readonly name: string;
  readonly engine?: Omit<RedisEngineOptions, 'connection'>;
  readonly shards?: number;
  readonly router?: 'rendezvous' | 'jump' | 'bounded-load';
  readonly attempts?: number;
  readonly backoff?: number;
  readonly work?: boolean;
  /** Instrument the worker's queue (`instrumentJobQueue`), for `WorkerProcess.metrics()`. */
  readonly metrics?: boolean;
}

/** What the test jobs do: record their start, optionally fail, wait, write to the fenced store. */
export interface StepPayload {
  readonly label: string;
  /** Sleep this long (ignoring the signal). */
  readonly ms?: number;
  /** Burn this much CPU. */
  readonly cpu?: number;
  /** Throw on attempts up to this one. */
  readonly fail?: number;
  /** Write `label` to the fenced store under the job's key. */
  readonly fenced?: boolean;
}

export interface Start {
  readonly label: string;
  readonly key: QueueKey;
  readonly attempt: number;
  readonly token: number;
  readonly pid: number;
  readonly shard: number;
  readonly at: number;
}

export interface FencedWriteRecord {
  readonly label: string;
  readonly token: number;
  readonly pid: number;
  readonly accepted: boolean;
}

/** The lists a test's jobs write to; in the queue's hash slot, so one cluster node holds them. */
export function testKeys(name: string) {
  return {
    starts: `test:{${name}}:starts`,
    done: `test:{${name}}:done`,
    writes: `test:{${name}}:writes`,
    store: `test:{${name}}:store`,
  };
}

/**
 * A store that refuses stale writers: it keeps, per record, the largest
 * fencing token it has accepted, and accepts a write only with a token at
 * least as large. This is what the README's fencing example does.
 */
export async function fencedWrite(
  redis: Redis | Cluster,
  store: string,
  record: string,
  token: number,
  value: string,
): Promise<boolean> {
  const accepted = await redis.eval(
    `local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':token') or '0')
if tonumber(ARGV[2]) < held then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':token', ARGV[2], ARGV[1], ARGV[3])
return 1`,
    1,
    store,
    record,
    token,
    value,
  );
  return accepted === 1;
}

export async function readStarts(redis: Redis | Cluster, name: string): Promise<Start[]> {
  // A worker's RPUSH that Redis ran just before a kill -9 loses its reply, and ioredis sends it again on
  // reconnect: the same start (same process, token and millisecond) then appears twice in the list.
  const lines = await redis.lrange(testKeys(name).starts, 0, -1);
  return [...new Set(lines)].map((line) => JSON.parse(line) as Start);
}

/**
 * Checks per-key order: a key's starts, with the repeats of one job (retries,
 * redeliveries) collapsed, must be its jobs in the order they were added.
 * Returns the problems found, empty when order held.
 */
export function orderViolations(starts: readonly Start[], added: ReadonlyMap<QueueKey, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [key, labels] of added) {
    const ran = starts.filter((start) => start.key === key).map((start) => start.label);
    const collapsed = ran.filter((label, index) => index === 0 || label !== ran[index - 1]);
    if (collapsed.join(',') !== labels.join(',')) {
      problems.push(`key ${key}: added ${labels.join(',')}; started ${ran.join(',')}`);
    }
  }
  return problems;
}

/**
 * Checks the fencing tokens: each key's starts, in the order they happened,
 * must carry strictly growing tokens, across retries, redeliveries and moves
 * between shards. Returns the problems found.
 */
export function tokenViolations(starts: readonly Start[]): string[] {
  const last = new Map<QueueKey, Start>();
  const problems: string[] = [];
  for (const start of starts) {
    const previous = last.get(start.key);
    if (previous !== undefined && start.token <= previous.token) {
      problems.push(
        `key ${start.key}: ${start.label} (shard ${start.shard}) got token ${start.token} after ${previous.label} (shard ${previous.shard}) got ${previous.token}`,
      );
    }
    last.set(start.key, start);
  }
  return problems;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly events: Array<{ readonly event: string } & Record<string, unknown>>;
  /** Resolves once the worker has joined the queue. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** Asks the worker to close gracefully and waits for it to exit. */
  close(): Promise<void>;
  /** What the worker's `instrumentJobQueue` has counted so far (spawned with `metrics: true`): each counter's points summed, by metric name. */
  metrics(): Promise<Record<string, number>>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts a worker process (Node running the sources, as the tests do); stop it with `stopWorkers`. */
export function spawnWorker(spec: WorkerSpec): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', here('./source-hooks.test-util.ts'), here('./worker-process.test-util.ts')],
    {
      env: { ...process.env, PALISADE_WORKER_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const events: WorkerProcess['events'] = [];
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { event: string }) => {
      events.push(message);
      if (message.event === 'ready') resolve();
    });
    void exited.then(() => reject(new Error(`worker ${child.pid} exited before it was ready`)));
  });
  ready.catch(() => {});
  return {
    pid: child.pid as number,
    child,
    events,
    ready,
    exited,
    metrics() {
      return new Promise((resolve, reject) => {
        const answer = (message: { event: string; values?: Record<string, number> }) => {
          if (message.event !== 'metrics') return;
          child.off('message', answer);
          resolve(message.values ?? {});
        };
        child.on('message', answer);
        void exited.then(() => reject(new Error(`worker ${child.pid} exited before it sent its metrics`)));
        child.send({ command: 'metrics' });
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ command: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Kills every worker that is still running, by PID (SIGCONT first, for frozen ones), and waits for them to exit. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const worker of workers) {
    worker.kill('SIGCONT');
    worker.kill('SIGKILL');
  }
  await Promise.all(workers.map((worker) => worker.exited));
}

/** Polls `condition` every `every` ms until it holds, or throws after `timeout` ms. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeout: number,
  what: string,
  every = 50,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
