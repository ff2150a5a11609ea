import { CancelledError, DeadlineExceededError, delay, VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedLoadRouter } from './bounded-load-router.js';
import { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
import { jumpRouter } from './jump-router.js';
import { rendezvousRouter } from './rendezvous-router.js';
import { ShardedQueue } from './sharded-queue.js';

// Random interleavings of add, resize, abort, failure and clear, on a virtual
// clock. After each run every promise must have settled, and the record of
// what ran must satisfy the queue's promises: each task ran at most once and
// settled with its own outcome or a typed error; per-key order held across
// resizes; no limit was exceeded; the stats' totals never went down and
// count exactly the tasks that ran.

type Fate = 'fulfil' | 'throw' | 'reject' | 'hang';

type Op =
  | {
      readonly kind: 'add';
      readonly key: number;
      readonly ms: number;
      readonly fate: Fate;
      readonly priority: number;
      readonly withSignal: boolean;
      readonly waitForRoom: boolean | undefined;
    }
  | { readonly kind: 'abort'; readonly target: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'addShard' }
  | { readonly kind: 'removeShard'; readonly pick: number }
  | { readonly kind: 'clear' };

interface Setup {
  readonly shards: number;
  readonly concurrency: number;
  readonly ordered: boolean;
  readonly keyConcurrency: number;
  readonly router: 'rendezvous' | 'jump' | 'bounded-load';
  readonly maxSize: number | undefined;
  readonly maxShardSize: number | undefined;
  readonly waitForRoom: boolean;
  readonly timeout: number | undefined;
  readonly drainOnClose: boolean;
}

const setupArbitrary: fc.Arbitrary<Setup> = fc.record({
  shards: fc.integer({ min: 1, max: 4 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  ordered: fc.boolean(),
  keyConcurrency: fc.integer({ min: 1, max: 2 }),
  router: fc.constantFrom('rendezvous', 'jump', 'bounded-load'),
  maxSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  maxShardSize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  waitForRoom: fc.boolean(),
  timeout: fc.option(fc.constantFrom(8, 25), { nil: undefined }),
  drainOnClose: fc.boolean(),
});

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      key: fc.integer({ min: 0, max: 3 }),
      ms: fc.integer({ min: 0, max: 12 }),
      fate: fc.constantFrom<Fate>('fulfil', 'fulfil', 'fulfil', 'throw', 'reject', 'hang'),
      priority: fc.integer({ min: 0, max: 2 }),
      withSignal: fc.boolean(),
      waitForRoom: fc.option(fc.boolean(), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), target: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addShard' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeShard' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);

interface Record {
  readonly id: number;
  readonly key: string;
  readonly fate: Fate;
  readonly ownError: Error;
  readonly controller: AbortController | undefined;
  runs: number;
  shardId: number | undefined;
  outcome: { fulfilled: boolean; value: unknown } | undefined;
}

async function run(setup: Setup, ops: readonly Op[]): Promise<string[]> {
  const violations: string[] = [];
  const clock = new VirtualClock();
  const router =
    setup.router === 'jump' ? jumpRouter() : setup.router === 'bounded-load' ? boundedLoadRouter() : rendezvousRouter();
  const queue = new ShardedQueue<string>({
    shards: setup.shards,
    concurrency: setup.concurrency,
    ...(setup.ordered ? { keyConcurrency: setup.keyConcurrency } : { keyOrder: 'none' as const }),
    router,
    maxSize: setup.maxSize,
    maxShardSize: setup.maxShardSize,
    whenFull: setup.waitForRoom ? 'wait' : 'reject',
    timeout: setup.timeout,
    clock,
  });
  const records: Record[] = [];
  const settled: Promise<void>[] = [];
  const liveByShard = new Map<number, number>();
  const liveByKey = new Map<string, Map<number, number>>();
  const startOrder = new Map<string, number[]>();
  const clearedBeforeStart = new Set<Record>();

  const task =
    (record: Record) =>
    async ({ signal, shardId }: { signal: AbortSignal; shardId: number }) => {
      record.runs++;
      record.shardId = shardId;
      if (record.runs > 1) violations.push(`task ${record.id} ran ${record.runs} times`);
      startOrder.set(record.key, [...(startOrder.get(record.key) ?? []), record.id]);
      const shardLive = (liveByShard.get(shardId) ?? 0) + 1;
      liveByShard.set(shardId, shardLive);
      if (shardLive > setup.concurrency) violations.push(`shard ${shardId} ran ${shardLive} tasks at once`);
      const keyShards = liveByKey.get(record.key) ?? new Map<number, number>();
      liveByKey.set(record.key, keyShards);
      keyShards.set(shardId, (keyShards.get(shardId) ?? 0) + 1);
      if (setup.ordered) {
        const keyLive = [...keyShards.values()].reduce((a, b) => a + b, 0);
        if (keyLive > setup.keyConcurrency) violations.push(`key ${record.key} ran ${keyLive} tasks at once`);
        if ([...keyShards.values()].filter((n) => n > 0).length > 1) {
          violations.push(`key ${record.key} ran on two shards at once`);
        }
      }
      // A task stops counting when it settles or when the queue abandons it (its signal aborts).
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        liveByShard.set(shardId, (liveByShard.get(shardId) as number) - 1);
        keyShards.set(shardId, (keyShards.get(shardId) as number) - 1);
      };
      signal.addEventListener('abort', end);
      try {
        if (record.fate === 'throw') throw record.ownError;
        await delay(record.fate === 'hang' ? 200 : 1 + (record.id % 7), { clock, signal });
        if (record.fate === 'reject') throw record.ownError;
        return record.id;
      } finally {
        end();
      }
    };

  let totals = queue.stats();
  const checkTotals = (after: string): void => {
    const now = queue.stats();
    for (const total of ['completed', 'failed', 'handoffs', 'spills'] as const) {
      if (now[total] < totals[total]) violations.push(`${total} went from ${totals[total]} to ${now[total]} ${after}`);
    }
    totals = now;
  };

  for (const [index, op] of ops.entries()) {
    switch (op.kind) {
      case 'add': {
        const controller = op.withSignal ? new AbortController() : undefined;
        const record: Record = {
          id: records.length,
          key: `key-${op.key}`,
          fate: op.fate,
          ownError: new Error(`task ${records.length} failed`),
          controller,
          runs: 0,
          shardId: undefined,
          outcome: undefined,
        };
        records.push(record);
        const promise = queue.add(record.key, task(record), {
          priority: op.priority,
          signal: controller?.signal,
          ...(op.waitForRoom === undefined ? {} : { whenFull: op.waitForRoom ? 'wait' : 'reject' }),
        });
        settled.push(
          promise.then(
            (value) => {
              record.outcome = { fulfilled: true, value };
            },
            (error: unknown) => {
              record.outcome = { fulfilled: false, value: error };
            },
          ),
        );
        break;
      }
      case 'abort':
        if (records.length > 0) records[op.target % records.length]?.controller?.abort();
        break;
      case 'advance':
        await clock.advance(op.ms);
        break;
      case 'addShard':
        if (queue.shardIds.length < 6) queue.addShard();
        break;
      case 'removeShard': {
        const ids = queue.shardIds;
        if (ids.length > 1) {
          const id = setup.router === 'jump' ? (ids.at(-1) as number) : (ids[op.pick % ids.length] as number);
          void queue.removeShard(id);
        }
        break;
      }
      case 'clear': {
        if (queue.stats().movingKeys > 0) coverage.parkedAtClear++;
        queue.clear();
        for (const record of records) if (record.runs === 0) clearedBeforeStart.add(record);
        if (queue.size !== 0 || queue.waitingForRoom !== 0) violations.push('clear() left tasks waiting');
        break;
      }
    }
    checkTotals(`after op ${index} (${op.kind})`);
  }

  const closing = queue.close({ drain: setup.drainOnClose });
  for (let round = 0; round < 50 && records.some((r) => r.outcome === undefined); round++) {
    await clock.runAll();
    checkTotals(`in round ${round} of closing`);
  }
  await closing;
  await Promise.all(settled);
  checkTotals('after close');

  for (const record of records) {
    const { outcome } = record;
    if (outcome === undefined) {
      violations.push(`task ${record.id} never settled`);
      continue;
    }
    const error = outcome.value;
    if (record.runs === 0) {
      const typed =
        error instanceof QueueFullError ||
        error instanceof QueueClearedError ||
        error instanceof QueueClosedError ||
        error instanceof CancelledError;
      if (outcome.fulfilled || !typed) violations.push(`task ${record.id} never ran but settled with ${String(error)}`);
    } else if (outcome.fulfilled) {
      if (outcome.value !== record.id) violations.push(`task ${record.id} fulfilled with ${String(outcome.value)}`);
    } else {
      const expected =
        error === record.ownError || error instanceof DeadlineExceededError || error instanceof CancelledError;
      if (!expected) violations.push(`task ${record.id} ran and settled with ${String(error)}`);
      if (record.fate === 'fulfil' && error === record.ownError)
        violations.push(`task ${record.id} got another's error`);
    }
  }
  for (const record of clearedBeforeStart) {
    if (record.runs > 0) violations.push(`task ${record.id} was waiting at clear() but ran`);
  }
  if (setup.ordered) {
    for (const [key, ids] of startOrder) {
      for (let i = 1; i < ids.length; i++) {
        if ((ids[i] as number) < (ids[i - 1] as number)) violations.push(`key ${key} started ${ids.join(',')}`);
      }
    }
  }
  if (queue.stats().movingKeys !== 0) violations.push(`${queue.stats().movingKeys} keys still moving after close`);
  if (queue.size !== 0 || queue.pending !== 0 || queue.waitingForRoom !== 0) {
    violations.push(`queue not empty after close: ${queue.size}/${queue.pending}/${queue.waitingForRoom}`);
  }
  const stats = queue.stats();
  const started = records.filter((r) => r.runs > 0).length;
  const finishedByShards = stats.shards.reduce((sum, s) => sum + s.completed + s.failed, 0);
  if (finishedByShards > started) violations.push(`stats count ${finishedByShards} finished of ${started} started`);
  const ran = records.filter((r) => r.runs > 0);
  const fulfilled = ran.filter((r) => r.outcome?.fulfilled === true).length;
  if (stats.completed !== fulfilled || stats.failed !== ran.length - fulfilled) {
    violations.push(
      `stats count ${stats.completed} completed and ${stats.failed} failed; ${fulfilled} of ${ran.length} that ran fulfilled`,
    );
  }
  coverage.handoffs += queue.stats().handoffs;
  coverage.spills += queue.stats().spills;
  coverage.runs++;
  return violations;
}
const coverage = { parkedAtClear: 0, handoffs: 0, spills: 0, runs: 0 };

describe('ShardedQueue properties', () => {
  it('runs every task once or settles it with a typed error, keeps per-key order, and never exceeds a limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        setupArbitrary,
        fc.array(opArbitrary, { minLength: 1, maxLength: 80, size: 'large' }),
        async (setup, ops) => {
          expect(await run(setup, ops)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
    // The generators must reach the states that matter, or the property proves little.
    expect(coverage.handoffs).toBeGreaterThan(20);
    expect(coverage.parkedAtClear).toBeGreaterThan(5);
    expect(coverage.spills).toBeGreaterThan(20);
  }, 60_000);

  it('stats totals are running counts: they never go down across adds, resizes and completions', async () => {
    const flowArbitrary: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('add' as const),
          key: fc.integer({ min: 0, max: 7 }),
          ms: fc.constant(0),
          fate: fc.constantFrom<Fate>('fulfil', 'fulfil', 'throw', 'reject'),
          priority: fc.constant(0),
          withSignal: fc.constant(false),
          waitForRoom: fc.constant(undefined),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 10 }) }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('addShard' as const) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('removeShard' as const), pick: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          shards: fc.integer({ min: 1, max: 4 }),
          router: fc.constantFrom<Setup['router']>('rendezvous', 'jump', 'bounded-load'),
          ordered: fc.boolean(),
        }),
        fc.array(flowArbitrary, { minLength: 1, maxLength: 60 }),
        async ({ shards, router, ordered }, ops) => {
          const setup: Setup = {
            shards,
            concurrency: 2,
            ordered,
            keyConcurrency: 1,
            router,
            maxSize: undefined,
            maxShardSize: undefined,
            waitForRoom: false,
            timeout: undefined,
            drainOnClose: true,
          };
          expect(await run(setup, ops)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('keeps per-key order through many resizes under a steady flow', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('rendezvous', 'jump', 'bounded-load'),
        fc.array(
          fc.constantFrom<Op>({ kind: 'addShard' }, { kind: 'removeShard', pick: 0 }, { kind: 'removeShard', pick: 1 }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 1, max: 2 }),
        async (router, resizes, keyConcurrency) => {
          const ops: Op[] = [];
          for (const resize of resizes) {
            for (let i = 0; i < 8; i++) {
              ops.push({
                kind: 'add',
                key: i % 3,
                ms: 3,
                fate: 'fulfil',
                priority: 0,
                withSignal: false,
                waitForRoom: undefined,
              });
            }
            ops.push({ kind: 'advance', ms: 4 }, resize);
          }
          const setup: Setup = {
            shards: 3,
            concurrency: 2,
            ordered: true,
            keyConcurrency,
            router: router as Setup['router'],
            maxSize: undefined,
            maxShardSize: undefined,
            waitForRoom: false,
            timeout: undefined,
            drainOnClose: true,
          };
          expect(await run(setup, ops)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
