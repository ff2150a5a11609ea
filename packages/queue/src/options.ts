import { type Clock, InvalidOptionError, realClock } from '@palisade/core';
import {
  durationOption,
  functionOption,
  integerOption,
  MAX_TIMER_DELAY,
  oneOfOption,
  optionsObject,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import type { QueueBackend } from './backend.js';
import type { QueueKey } from './key.js';
import { pQueueBackend } from './p-queue-backend.js';
import { rendezvousRouter } from './rendezvous-router.js';
import type { ShardRouterFactory } from './shard-router.js';

/** What `add` does when the queue or the task's shard is full. */
export type WhenFull = 'reject' | 'wait';

/** How the tasks of one key relate to each other. */
export type KeyOrder = 'fifo' | 'none';

/** The most shards a queue may have. */
export const MAX_SHARDS = 1024;

/** Options of `new ShardedQueue()`, except `keyOf`. */
export interface ShardedQueueBaseOptions {
  /** Shards at the start. Change later with `addShard`, `removeShard` or `resize`. @default 4 */
  readonly shards?: number;
  /**
   * Tasks that may run at once on each shard (not in total): like a Kafka
   * partition's consumer, a shard is the unit of parallelism. An integer
   * ≥ 1, or Infinity.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * `'fifo'`: the tasks of one key start in the order they were added,
   * `keyConcurrency` at a time, and a key stays on one shard while it has
   * tasks in flight. `'none'`: tasks of one key are independent; each is
   * routed on its own (so the bounded-load router can spread a hot key), and
   * priority orders them.
   * @default 'fifo'
   */
  readonly keyOrder?: KeyOrder;
  /**
   * With `keyOrder: 'fifo'`, how many tasks of one key may run at once. Above
   * 1, tasks still start in order but may finish out of order.
   * @default 1
   */
  readonly keyConcurrency?: number;
  /** How keys map to shards. @default rendezvousRouter() */
  readonly router?: ShardRouterFactory;
  /** Where shards execute. @default pQueueBackend() */
  readonly backend?: QueueBackend;
  /** The most tasks that may wait to start, over all shards. @default Infinity */
  readonly maxSize?: number;
  /** The most tasks that may wait to start on one shard. @default Infinity */
  readonly maxShardSize?: number;
  /**
   * When a limit is reached: `'reject'` rejects `add` with a
   * `QueueFullError`; `'wait'` waits for room (cancel with the task's signal).
   * Overridable per task.
   * @default 'reject'
   */
  readonly whenFull?: WhenFull;
  /**
   * Per shard: at most this many tasks start in each window of `interval` ms.
   * Windows are fixed, as p-queue's and BullMQ's: one opens with the first
   * start after the last one closed. So a burst at the end of one window and
   * the start of the next can put up to 2 × `intervalCap` starts within
   * `interval` ms; over n × `interval` ms there are at most (n + 1) × `intervalCap`.
   * @default Infinity
   */
  readonly intervalCap?: number;
  /** Per shard: the length of a rate-limit window in ms, on the queue's clock. 0 turns the rate limit off. @default 0 */
  readonly interval?: number;
  /**
   * How long a task may run, in ms on the queue's clock, before its signal
   * aborts and its promise rejects with `DeadlineExceededError`. The slot and
   * the key's turn are then released. Overridable per task.
   * @default Infinity
   */
  readonly timeout?: number;
  /** The source of time for timeouts, rate limits and `stats()`. @default realClock */
  readonly clock?: Clock;
  /** The window of `throughput` in `stats()`, in ms. @default 1000 */
  readonly throughputWindow?: number;
}

/**
 * Options of `new ShardedQueue()`. `keyOf` maps a key to a string or number;
 * it is required when keys are anything else.
 */
export type ShardedQueueOptions<Key = QueueKey> = ShardedQueueBaseOptions &
  ([Key] extends [QueueKey] ? { readonly keyOf?: (key: Key) => QueueKey } : { readonly keyOf: (key: Key) => QueueKey });

/** The options after validation and defaults. */
export interface QueueConfig {
  readonly shards: number;
  readonly concurrency: number;
  readonly orderedKeys: boolean;
  readonly keyConcurrency: number;
  readonly router: ShardRouterFactory;
  readonly backend: QueueBackend;
  readonly maxSize: number;
  readonly maxShardSize: number;
  readonly whenFull: WhenFull;
  readonly intervalCap: number;
  readonly interval: number;
  readonly timeout: number;
  readonly clock: Clock;
  readonly throughputWindow: number;
  readonly keyOf: ((key: never) => QueueKey) | undefined;
}

/** The keys of `ShardedQueueOptions`; the type makes the list complete. */
const QUEUE_OPTION_KEYS: readonly string[] = Object.keys({
  shards: true,
  concurrency: true,
  keyOrder: true,
  keyConcurrency: true,
  router: true,
  backend: true,
  maxSize: true,
  maxShardSize: true,
  whenFull: true,
  intervalCap: true,
  interval: true,
  timeout: true,
  clock: true,
  throughputWindow: true,
  keyOf: true,
} satisfies Record<keyof ShardedQueueBaseOptions | 'keyOf', true>);

export function resolveOptions(options: ShardedQueueOptions<unknown> | undefined): QueueConfig {
  const given = optionsObject('options', options as ShardedQueueBaseOptions & { keyOf?: unknown });
  rejectUnknownOptions(given, QUEUE_OPTION_KEYS);
  const keyOrder = oneOfOption('keyOrder', given.keyOrder ?? 'fifo', ['fifo', 'none']);
  if (keyOrder === 'none' && given.keyConcurrency !== undefined) {
    throw new InvalidOptionError(
      'keyConcurrency',
      "no value with keyOrder 'none', where keys have no limit (it applies to keyOrder 'fifo')",
      given.keyConcurrency,
    );
  }
  const router = given.router ?? rendezvousRouter();
  if (router === null || typeof router !== 'object' || typeof router.create !== 'function') {
    throw new InvalidOptionError('router', 'a ShardRouterFactory, such as rendezvousRouter()', router);
  }
  const backend = given.backend ?? pQueueBackend();
  if (backend === null || typeof backend !== 'object' || typeof backend.createShard !== 'function') {
    throw new InvalidOptionError('backend', 'a QueueBackend, such as pQueueBackend()', backend);
  }
  const clock = given.clock ?? realClock;
  if (
    clock === null ||
    typeof clock !== 'object' ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new InvalidOptionError('clock', 'a Clock: { now, setTimeout, clearTimeout }', clock);
  }
  return {
    shards: integerOption('shards', given.shards ?? 4, { min: 1, max: MAX_SHARDS }),
    concurrency: integerOption('concurrency', given.concurrency ?? 1, { min: 1, max: Number.POSITIVE_INFINITY }),
    orderedKeys: keyOrder === 'fifo',
    keyConcurrency:
      keyOrder === 'fifo'
        ? integerOption('keyConcurrency', given.keyConcurrency ?? 1, { min: 1, max: Number.POSITIVE_INFINITY })
        : Number.POSITIVE_INFINITY,
    router,
    backend,
    maxSize: integerOption('maxSize', given.maxSize ?? Number.POSITIVE_INFINITY, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    maxShardSize: integerOption('maxShardSize', given.maxShardSize ?? Number.POSITIVE_INFINITY, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    whenFull: oneOfOption('whenFull', given.whenFull ?? 'reject', ['reject', 'wait']),
    intervalCap: integerOption('intervalCap', given.intervalCap ?? Number.POSITIVE_INFINITY, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    interval: durationOption('interval', given.interval ?? 0, { min: 0, max: MAX_TIMER_DELAY }),
    timeout: checkTimeout('timeout', given.timeout),
    clock,
    throughputWindow: durationOption('throughputWindow', given.throughputWindow ?? 1000, {
      min: 0,
      minExclusive: true,
      max: MAX_TIMER_DELAY,
    }),
    keyOf: given.keyOf === undefined ? undefined : functionOption('keyOf', given.keyOf),
  };
}

/** A timeout in (0, 2³¹−1] ms, or Infinity for none. */
function checkTimeout(option: string, value: unknown): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return durationOption(option, value, { min: 0, minExclusive: true, max: MAX_TIMER_DELAY });
}
