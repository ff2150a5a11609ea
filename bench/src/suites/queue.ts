import { seededRandom } from '@palisade/core';
import {
  boundedLoadRouter,
  hashKey,
  jumpRouter,
  rendezvousRouter,
  ShardedQueue,
  type ShardRouterFactory,
} from '@palisade/queue';
import PQueue from 'p-queue';
// The queue's own tests draw Zipf keys with the same sampler; it imports only types, so Node runs it as is.
import { zipfSampler } from '../../../packages/queue/src/zipf.test-util.ts';
import {
  type ContenderResult,
  compare,
  comparisonTable,
  formatNs,
  formatRate,
  median,
  retainedBytes,
  type Suite,
  type Target,
  table,
  targetTable,
} from '../harness.ts';

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const ROUNDS = envNumber('BENCH_ROUNDS', 3);

const SHARDS = 16;
const KEY_COUNT = 10_000;
const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `user:${i}`);
const trivialTask = async (): Promise<void> => {};

/** The "limit" reference: about the least a FIFO dispatcher with a concurrency cap can do per task. */
interface DispatchJob {
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

class MinimalDispatcher {
  readonly #concurrency: number;
  readonly #waiting: (DispatchJob | undefined)[] = [];
  #head = 0;
  #running = 0;

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  add<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#running < this.#concurrency && this.#head < this.#waiting.length) {
      const job = this.#waiting[this.#head] as DispatchJob;
      this.#waiting[this.#head++] = undefined;
      this.#running++;
      job.run().then(job.resolve, job.reject).finally(this.#done);
    }
  }

  readonly #done = (): void => {
    this.#running--;
    this.#drain();
  };
}

/**
 * Times whole runs (each far above timer resolution) in rotated order for a
 * few rounds, and reports the median per task, shaped for comparisonTable.
 */
async function compareRuns(
  contenders: readonly { name: string; run: () => Promise<void> }[],
  tasksPerRun: number,
  repeats = 1,
): Promise<ContenderResult[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) await contender.run(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as (typeof contenders)[number];
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        (globalThis as { gc?: () => void }).gc?.();
        const started = performance.now();
        await contender.run();
        times.push(((performance.now() - started) * 1e6) / tasksPerRun);
      }
      samples.get(contender.name)?.push(median(times));
    }
  }
  return contenders.map(({ name }) => {
    const roundsNs = samples.get(name) ?? [];
    return { name, medianNs: median(roundsNs), roundsNs };
  });
}

const ids = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
const imbalanceOf = (counts: readonly number[]): number =>
  Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length);

// ---- throughput ------------------------------------------------------------

const THROUGHPUT_TASKS = 200_000;

async function shardedRun(keyOrder: 'fifo' | 'none'): Promise<void> {
  const queue = new ShardedQueue({ shards: SHARDS, concurrency: 1, keyOrder });
  const results = new Array<Promise<void>>(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) results[i] = queue.add(KEYS[i % KEY_COUNT] as string, trivialTask);
  await Promise.all(results);
}

async function pQueueRun(): Promise<void> {
  const queue = new PQueue({ concurrency: SHARDS });
  const results = new Array<Promise<void>>(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) results[i] = queue.add(trivialTask);
  await Promise.all(results);
}

/** The design not taken: a p-queue per shard and one p-queue job per task. Any queueClass only adds to this. */
async function pQueuePerShardRun(): Promise<void> {
  const queues = Array.from({ length: SHARDS }, () => new PQueue({ concurrency: 1 }));
  const router = rendezvousRouter().create(ids(SHARDS));
  const results = new Array<Promise<void>>(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) {
    const queue = queues[router.route(hashKey(KEYS[i % KEY_COUNT] as string))] as PQueue;
    results[i] = queue.add(trivialTask);
  }
  await Promise.all(results);
}

async function minimalRun(): Promise<void> {
  const dispatcher = new MinimalDispatcher(SHARDS);
  const results = new Array<Promise<void>>(THROUGHPUT_TASKS);
  for (let i = 0; i < THROUGHPUT_TASKS; i++) results[i] = dispatcher.add(trivialTask);
  await Promise.all(results);
}

// ---- backlog ---------------------------------------------------------------

const PRIORITY_LEVELS = 100;

/**
 * Throughput at a steady backlog: `backlog` tasks with random keys and
 * priorities wait, and each task that finishes adds one more, so the backlog
 * stays put while `measured` tasks run. Filling the backlog is not timed.
 */
function steadyBacklog(
  backlog: number,
  measured: number,
  make: () => { add: (key: string, task: () => Promise<void>, priority: number) => unknown; clear: () => void },
): () => Promise<number> {
  return () => {
    const random = seededRandom(5);
    const queue = make();
    let finished = 0;
    let started = 0;
    let done: (elapsed: number) => void = () => {};
    const result = new Promise<number>((resolve) => {
      done = resolve;
    });
    const addOne = (): void => {
      void queue.add(KEYS[Math.floor(random() * KEY_COUNT)] as string, task, Math.floor(random() * PRIORITY_LEVELS));
    };
    const task = async (): Promise<void> => {
      finished++;
      if (finished < measured) {
        addOne();
      } else if (finished === measured) {
        done(performance.now() - started);
        // The rest of the backlog must not run on into the next measurement.
        queue.clear();
      }
    };
    for (let i = 0; i < backlog; i++) addOne();
    started = performance.now();
    return result;
  };
}

const shardedBacklog = (backlog: number, measured: number) =>
  steadyBacklog(backlog, measured, () => {
    const queue = new ShardedQueue({ shards: SHARDS, concurrency: 1 });
    return { add: (key, task, priority) => queue.add(key, task, { priority }), clear: () => queue.clear() };
  });

const pQueueBacklog = (backlog: number, measured: number) =>
  steadyBacklog(backlog, measured, () => {
    const queue = new PQueue({ concurrency: SHARDS });
    return { add: (_key, task, priority) => queue.add(task, { priority }), clear: () => queue.clear() };
  });

/** Like compareRuns, for runs that time themselves (returning milliseconds). */
async function compareTimed(
  contenders: readonly { name: string; run: () => Promise<number>; tasks: number }[],
): Promise<ContenderResult[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as (typeof contenders)[number];
      (globalThis as { gc?: () => void }).gc?.();
      samples.get(contender.name)?.push(((await contender.run()) * 1e6) / contender.tasks);
    }
  }
  return contenders.map(({ name }) => {
    const roundsNs = samples.get(name) ?? [];
    return { name, medianNs: median(roundsNs), roundsNs };
  });
}

// ---- memory ----------------------------------------------------------------

const MEMORY_TASKS = 200_000;
const never = new Promise<never>(() => {});

async function memoryPerTask(): Promise<{ sharded: number; pQueue: number }> {
  const random = seededRandom(3);
  const sharded = await retainedBytes(() => {
    const queue = new ShardedQueue<string>({ shards: SHARDS, concurrency: 1 });
    // One never-ending task per shard keeps everything after it waiting.
    for (let shard = 0; shard < SHARDS; shard++) {
      const key = Array.from({ length: 1000 }, (_, i) => `blocker-${i}`).find((k) => queue.shardFor(k) === shard);
      void queue.add(key as string, () => never);
    }
    for (let i = 0; i < MEMORY_TASKS; i++) {
      void queue.add(KEYS[i % KEY_COUNT] as string, trivialTask, { priority: Math.floor(random() * PRIORITY_LEVELS) });
    }
    return queue;
  });
  const pQueue = await retainedBytes(() => {
    const queue = new PQueue({ concurrency: SHARDS });
    for (let i = 0; i < SHARDS; i++) void queue.add(() => never);
    for (let i = 0; i < MEMORY_TASKS; i++) {
      void queue.add(trivialTask, { priority: Math.floor(random() * PRIORITY_LEVELS) });
    }
    return queue;
  });
  const result = { sharded: sharded.bytes / MEMORY_TASKS, pQueue: pQueue.bytes / MEMORY_TASKS };
  sharded.value.clear();
  pQueue.value.clear();
  return result;
}

// ---- routing ---------------------------------------------------------------

const ROUTE_KEYS = Array.from({ length: 100_000 }, (_, i) => `user:${i * 7919}`);
const ROUTE_HASHES = ROUTE_KEYS.map(hashKey);

function worstMovementExcess(factory: ShardRouterFactory): { excess: number; at: number } {
  let worst = { excess: Number.NEGATIVE_INFINITY, at: 0 };
  for (let n = 1; n <= 32; n++) {
    const before = factory.create(ids(n));
    const after = factory.create(ids(n + 1));
    let moved = 0;
    for (const hash of ROUTE_HASHES) if (before.route(hash) !== after.route(hash)) moved++;
    const excess = moved / ROUTE_HASHES.length - 1 / (n + 1);
    if (excess > worst.excess) worst = { excess, at: n };
  }
  return worst;
}

function uniformImbalance(factory: ShardRouterFactory): number {
  const router = factory.create(ids(SHARDS));
  const counts = new Array<number>(SHARDS).fill(0);
  for (const hash of ROUTE_HASHES) {
    const id = router.route(hash);
    counts[id] = (counts[id] as number) + 1;
  }
  return imbalanceOf(counts);
}

/** Max/avg of tasks routed per shard when 200k Zipf(1.1) tasks over 10k keys are added at once. */
function zipfImbalance(options: ConstructorParameters<typeof ShardedQueue<string>>[0]): {
  imbalance: number;
  spills: number;
} {
  const draw = zipfSampler(KEY_COUNT, 1.1, seededRandom(7));
  const queue = new ShardedQueue<string>({ shards: SHARDS, concurrency: 1, ...options });
  for (let i = 0; i < THROUGHPUT_TASKS; i++) void queue.add(KEYS[draw()] as string, trivialTask);
  const stats = queue.stats();
  queue.clear();
  return { imbalance: imbalanceOf(stats.shards.map((shard) => shard.added)), spills: stats.spills };
}

const ratio = (value: number): string => `${value.toFixed(2)}×`;
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
const bytes = (value: number): string => `${value.toFixed(0)} B`;
const nanoseconds = (value: number): string => formatNs(value);

const suite: Suite = {
  title: '@palisade/queue',
  async run() {
    const started = performance.now();

    // Memory first, on a clean heap.
    const memory = await memoryPerTask();

    const throughput = await compareRuns(
      [
        { name: 'ShardedQueue: 16 shards × 1, per-key FIFO, 10k keys', run: () => shardedRun('fifo') },
        { name: "ShardedQueue: 16 shards × 1, keyOrder 'none'", run: () => shardedRun('none') },
        { name: 'p-queue, concurrency 16', run: pQueueRun },
        { name: '16 p-queues × 1, one p-queue job per task', run: pQueuePerShardRun },
        { name: 'minimal FIFO dispatcher, concurrency 16 (limit)', run: minimalRun },
      ],
      THROUGHPUT_TASKS,
    );
    const byName = new Map(throughput.map((r) => [r.name, r.medianNs]));
    const shardedNs = byName.get('ShardedQueue: 16 shards × 1, per-key FIFO, 10k keys') as number;
    const pQueueNs = byName.get('p-queue, concurrency 16') as number;

    const steady = 200_000;
    const backlogResults = await compareTimed([
      { name: 'ShardedQueue, 10k backlog', run: shardedBacklog(10_000, steady), tasks: steady },
      { name: 'ShardedQueue, 1M backlog', run: shardedBacklog(1_000_000, steady), tasks: steady },
      { name: 'p-queue, 10k backlog', run: pQueueBacklog(10_000, 20_000), tasks: 20_000 },
      { name: 'p-queue, 100k backlog', run: pQueueBacklog(100_000, 20_000), tasks: 20_000 },
    ]);
    const backlogNs = new Map(backlogResults.map((r) => [r.name, r.medianNs]));
    const backlogRatio =
      (backlogNs.get('ShardedQueue, 10k backlog') as number) / (backlogNs.get('ShardedQueue, 1M backlog') as number);

    const rendezvous = rendezvousRouter().create(ids(SHARDS));
    const jump = jumpRouter().create(ids(SHARDS));
    const ring = boundedLoadRouter().create(ids(SHARDS));
    let cursor = 0;
    const nextKey = (): string => {
      cursor = (cursor + 1) % ROUTE_KEYS.length;
      return ROUTE_KEYS[cursor] as string;
    };
    const nextHash = (): number => {
      cursor = (cursor + 1) % ROUTE_HASHES.length;
      return ROUTE_HASHES[cursor] as number;
    };
    const routes = await compare(
      [
        { name: 'hashKey (MurmurHash3 of a 10-char key)', fn: () => hashKey(nextKey()) },
        { name: 'rendezvous: hash + route', fn: () => rendezvous.route(hashKey(nextKey())) },
        { name: 'rendezvous: route a hash', fn: () => rendezvous.route(nextHash()) },
        { name: 'jump: hash + route', fn: () => jump.route(hashKey(nextKey())) },
        { name: 'bounded-load ring: hash + first choice', fn: () => ring.route(hashKey(nextKey())) },
      ],
      { batch: 1000 },
    );
    const rendezvousRouteNs = (routes[1] as ContenderResult).medianNs;

    const movement = {
      rendezvous: worstMovementExcess(rendezvousRouter()),
      jump: worstMovementExcess(jumpRouter()),
      ring: worstMovementExcess(boundedLoadRouter()),
    };
    const uniform = {
      rendezvous: uniformImbalance(rendezvousRouter()),
      jump: uniformImbalance(jumpRouter()),
      ring: uniformImbalance(boundedLoadRouter()),
    };
    const zipfRelaxedBounded = zipfImbalance({ keyOrder: 'none', router: boundedLoadRouter() });
    const zipfRelaxedPlain = zipfImbalance({ keyOrder: 'none', router: rendezvousRouter() });
    const zipfOrderedBounded = zipfImbalance({ router: boundedLoadRouter() });
    const zipfOrderedPlain = zipfImbalance({ router: rendezvousRouter() });
    let harmonic = 0;
    for (let k = 1; k <= KEY_COUNT; k++) harmonic += 1 / k ** 1.1;
    const hottestShare = 1 / harmonic;

    const targets: Target[] = [
      {
        label: 'Throughput: 16 shards, per-key FIFO, 10k keys ÷ p-queue at concurrency 16 (200k tasks)',
        measured: pQueueNs / shardedNs,
        limit: 1,
        kind: 'min',
        format: ratio,
      },
      {
        label: 'Backlog scaling: throughput with 1M backlog ÷ with 10k backlog (100 priorities)',
        measured: backlogRatio,
        limit: 0.75,
        kind: 'min',
        format: ratio,
      },
      { label: 'Memory per queued task', measured: memory.sharded, limit: 250, kind: 'max', format: bytes },
      {
        label: 'Route lookup: rendezvous, hash + route of a string key',
        measured: rendezvousRouteNs,
        limit: 100,
        kind: 'max',
        format: nanoseconds,
      },
      {
        label: 'Keys moved from n to n+1 shards, worst excess over 1/(n+1), n = 1…32: rendezvous',
        measured: movement.rendezvous.excess,
        limit: 0.01,
        kind: 'max',
        format: percent,
      },
      {
        label: '… jump',
        measured: movement.jump.excess,
        limit: 0.01,
        kind: 'max',
        format: percent,
      },
      {
        label: 'Imbalance (max/avg), 100k uniform keys over 16 shards: rendezvous',
        measured: uniform.rendezvous,
        limit: 1.05,
        kind: 'max',
      },
      { label: '… jump', measured: uniform.jump, limit: 1.05, kind: 'max' },
      {
        label: "Imbalance, Zipf(1.1), keyOrder 'none': bounded-load",
        measured: zipfRelaxedBounded.imbalance,
        limit: 1.25,
        kind: 'max',
      },
      {
        label: '… plain hashing (rendezvous), for contrast: must go well above 2',
        measured: zipfRelaxedPlain.imbalance,
        limit: 2,
        kind: 'min',
      },
    ];

    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    return [
      `Trivial async tasks (\`async () => {}\`). ${ROUNDS} rounds in rotated order; each figure is the median of the rounds. Suite time: ${seconds} s.`,
      '',
      '### Targets',
      '',
      targetTable(targets),
      '',
      '### Throughput, 200k tasks, total concurrency 16',
      '',
      'The second p-queue line is the design this package did not take: a p-queue per shard with one p-queue job per task. Its cost per task is a floor for any custom `queueClass`, which only adds to it; hence p-queue jobs that each run a batch of tasks.',
      '',
      comparisonTable(throughput, ['p-queue, concurrency 16', 'minimal FIFO dispatcher, concurrency 16 (limit)']),
      '',
      `ShardedQueue: ${formatRate(1e9 / shardedNs)}; p-queue: ${formatRate(1e9 / pQueueNs)}.`,
      '',
      '### Throughput at a steady backlog, 100 priority levels, random keys',
      '',
      'The backlog is filled first (untimed); then each finished task adds one, so the backlog stays at its size while 200k tasks (20k for p-queue) run. ShardedQueue keeps waiting tasks in per-key lanes and one ring per priority level, so the cost per task does not grow with the backlog; p-queue inserts each task into a sorted array, O(backlog).',
      '',
      comparisonTable(backlogResults, ['ShardedQueue, 10k backlog']),
      '',
      '### Memory',
      '',
      table(
        ['200k queued tasks, 10k keys, 100 priorities', 'bytes per task'],
        [
          ['ShardedQueue', bytes(memory.sharded)],
          ['p-queue 10', bytes(memory.pQueue)],
        ],
      ),
      '',
      '### Routing',
      '',
      comparisonTable(routes, ['rendezvous: hash + route']),
      '',
      table(
        ['router', 'worst excess movement n→n+1 (at n)', 'imbalance, 100k uniform keys, 16 shards'],
        [
          [
            'rendezvous',
            `${percent(movement.rendezvous.excess)} (${movement.rendezvous.at})`,
            uniform.rendezvous.toFixed(3),
          ],
          ['jump', `${percent(movement.jump.excess)} (${movement.jump.at})`, uniform.jump.toFixed(3)],
          [
            'bounded-load ring (first choice, 200 points per shard)',
            `${percent(movement.ring.excess)} (${movement.ring.at})`,
            uniform.ring.toFixed(3),
          ],
        ],
      ),
      '',
      `Zipf(1.1) over ${KEY_COUNT / 1000}k keys, 200k tasks added at once to 16 shards; max/avg of the tasks routed per shard. The hottest key carries ${percent(hottestShare)} of the tasks, so ordered mode cannot do better than ${(hottestShare * SHARDS).toFixed(2)} (that share × 16).`,
      '',
      table(
        ['mode', 'bounded-load', 'rendezvous', 'spills (bounded-load)'],
        [
          [
            "keyOrder 'none'",
            zipfRelaxedBounded.imbalance.toFixed(3),
            zipfRelaxedPlain.imbalance.toFixed(3),
            String(zipfRelaxedBounded.spills),
          ],
          [
            "keyOrder 'fifo'",
            zipfOrderedBounded.imbalance.toFixed(3),
            zipfOrderedPlain.imbalance.toFixed(3),
            String(zipfOrderedBounded.spills),
          ],
        ],
      ),
    ].join('\n');
  },
};

export default suite;
