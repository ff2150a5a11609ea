import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { RedisBreakerBackend } from '@palisade/breaker/redis';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../../scripts/lib/redis-server.ts';
import {
  type ContenderResult,
  compare,
  comparisonTable,
  formatNs,
  type Suite,
  table,
  targetTable,
} from '../harness.ts';

const BATCH = 200;
const ROUNDS_CLOSED = 9;
const STALENESS = 1_000;
const ROUNDS = 100;
const COUNTED_CALLS = 100_000;
const workerScript = fileURLToPath(new URL('../workers/breaker-redis-worker.ts', import.meta.url));

const work = (): Promise<number> => Promise.resolve(1);
const byName = (results: readonly ContenderResult[], name: string): number =>
  results.find((result) => result.name === name)?.medianNs ?? Number.NaN;

/** Calls of each command Redis ran, from `INFO commandstats`. */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}

interface Worker {
  readonly child: ChildProcess;
  request<T = Record<string, unknown>>(type: string, body?: Record<string, unknown>): Promise<T>;
}

function spawnWorker(): Worker {
  const child = spawn(process.execPath, [workerScript], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, (body: never) => void>();
  child.on('message', (message: { id: number }) => {
    waiting.get(message.id)?.(message as never);
    waiting.delete(message.id);
  });
  return {
    child,
    request: <T>(type: string, body: Record<string, unknown> = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve as (body: never) => void);
        child.send({ id, type, ...body });
      }),
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
};

/** One process trips the shared circuit; three others poll their mirror until it shows open. */
async function propagation(url: string): Promise<number[]> {
  const workers = Array.from({ length: 4 }, spawnWorker);
  try {
    await Promise.all(workers.map((w) => w.request('setup', { url, circuit: 'propagation', staleness: STALENESS })));
    const [tripper, ...watchers] = workers as [Worker, ...Worker[]];
    const delays: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const seen = watchers.map((w) => w.request<{ at?: number }>('until', { kind: 'open', timeout: 5_000 }));
      const { at: trippedAt } = await tripper.request<{ at: number }>('trip');
      for (const { at } of await Promise.all(seen)) {
        delays.push(at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, at - trippedAt));
      }
      await tripper.request('reset');
      await Promise.all(workers.map((w) => w.request('until', { kind: 'closed', timeout: 5_000 })));
    }
    return delays;
  } finally {
    await Promise.all(workers.map((w) => w.request('exit')));
  }
}

const suite: Suite = {
  title: '@palisade/breaker on Redis (shared state)',
  async run() {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const backend = new RedisBreakerBackend({ connection: server.url, staleness: STALENESS });
    try {
      const shared = new CircuitBreaker({
        store: backend.store('closed-bench'),
        rule: new ConsecutiveFailuresRule({ threshold: 5 }),
      });
      const memory = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 5 }) });
      await backend.store('warm-up').ready;

      const closed = await compare(
        [
          { name: 'bare await fn()', fn: () => work() },
          { name: 'memory store', fn: () => memory.execute(work) },
          { name: 'Redis store', fn: () => shared.execute(work) },
        ],
        // Two contenders running the same code: more rounds, so that a noisy one does not decide the median.
        { batch: BATCH, rounds: ROUNDS_CLOSED },
      );
      const bare = byName(closed, 'bare await fn()');
      const timeRatio = byName(closed, 'Redis store') / byName(closed, 'memory store');
      const overheadRatio = (byName(closed, 'Redis store') - bare) / (byName(closed, 'memory store') - bare);

      const before = await commandCounts(admin);
      const scriptsBefore = backend.stats().commands;
      for (let i = 0; i < COUNTED_CALLS; i++) await shared.execute(work);
      const after = await commandCounts(admin);
      const ran = [...after].map(([command, calls]) => [command, calls - (before.get(command) ?? 0)] as const);
      const byStore = ran.filter(([command]) => command !== 'info' && command !== 'ping');
      const storeCommands = byStore.reduce((sum, [, calls]) => sum + calls, 0);
      const scripts = backend.stats().commands - scriptsBefore;

      const delays = await propagation(server.url);
      const p50 = percentile(delays, 50);
      const p99 = percentile(delays, 99);
      const worst = Math.max(...delays);

      return [
        '### Closed state: time per call',
        '',
        `A \`CircuitBreaker\` (consecutive failures) on its default memory store and on a \`RedisBreakerStore\` connected to a local redis-server; \`fn = () => Promise.resolve(1)\`, ${BATCH} awaited calls per sample. The Redis store answers \`current()\` from its mirror.`,
        '',
        comparisonTable(closed, ['bare await fn()', 'memory store']),
        '',
        `Overhead over the bare call: Redis store ÷ memory store = ${overheadRatio.toFixed(2)}×.`,
        '',
        '### Redis commands per call in the steady closed state',
        '',
        `\`INFO commandstats\` before and after ${COUNTED_CALLS.toLocaleString('en-US')} calls through the breaker on the Redis store (the subscription's heartbeat \`PING\` and the measurement's own \`INFO\` left out).`,
        '',
        table(
          ['commands Redis ran', 'scripts the backend sent', 'per call'],
          [[String(storeCommands), String(scripts), String(storeCommands / COUNTED_CALLS)]],
        ),
        '',
        '### Open propagation across processes',
        '',
        `Four processes (child processes, each with its own client and backend, \`staleness\` ${STALENESS} ms) share one circuit. One trips it with three failures; the three others poll their breaker's record on every turn of their event loop until it shows open. Delay = when a process saw it open − when the tripping process's breaker opened (Date.now() on one machine). ${ROUNDS} rounds, ${delays.length} samples.`,
        '',
        table(['p50', 'p99', 'max', 'staleness bound'], [[`${p50} ms`, `${p99} ms`, `${worst} ms`, `${STALENESS} ms`]]),
        '',
        '### Targets (issue 15)',
        '',
        targetTable([
          {
            label: 'closed state, Redis store ÷ memory store, time per call',
            measured: timeRatio,
            limit: 1.5,
            kind: 'max',
            format: (value) => `${value.toFixed(2)}×`,
          },
          {
            label: 'Redis commands per call, steady closed state',
            measured: storeCommands / COUNTED_CALLS,
            limit: 0,
            kind: 'max',
            format: (value) => String(value),
          },
          {
            label: 'open propagation p99 ÷ staleness bound',
            measured: p99 / STALENESS,
            limit: 1,
            kind: 'max',
            format: (value) => value.toFixed(3),
          },
        ]),
        '',
        `Time per call: memory store ${formatNs(byName(closed, 'memory store'))}, Redis store ${formatNs(byName(closed, 'Redis store'))}.`,
      ].join('\n');
    } finally {
      await backend.close();
      admin.disconnect();
      await server.stop();
    }
  },
};

export default suite;
