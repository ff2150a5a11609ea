import { InvalidOptionError } from '@palisade/core';
import {
  durationOption,
  functionOption,
  integerOption,
  MAX_TIMER_DELAY,
  oneOfOption,
  optionsObject,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import { type KeyOrder, MAX_SHARDS, type WhenFull } from '../options.js';
import { rendezvousRouter } from '../rendezvous-router.js';
import type { ShardRouterFactory } from '../shard-router.js';
import type { JobEngine, JobQueueConfig } from './engine.js';
import type { JobHandler, JobHandlers } from './types.js';

/** The most attempts a job may have: enough for any retry policy, small enough to stay a safe integer in tokens and counters. */
export const MAX_ATTEMPTS = 1000;

/** How long to wait before retry `attempt` (2 for the first retry), in ms. */
export type Backoff = number | ((attempt: number) => number);

/** Options of `new JobQueue()`. */
export interface JobQueueOptions<Handlers extends JobHandlers> {
  /**
   * The jobs this queue knows, by name. A process that only adds jobs
   * declares them too (with `work: false`), so that `add` checks the name and
   * types the payload; sharing one module of handlers does both.
   */
  readonly handlers: Handlers;
  /** Where jobs are stored and run: in this process, or `redisEngine(…)` from `@palisade/queue/redis`. @default inProcessEngine() */
  readonly engine?: JobEngine;
  /** The queue's name; on Redis, the namespace of its keys. Letters, digits, `_` and `-`. @default 'jobs' */
  readonly name?: string;
  /** Run handlers in this process. False: only add jobs (a producer; it takes no shards on Redis). @default true */
  readonly work?: boolean;
  /** Shards of a new queue, 1 to 1024. On Redis, the ring already stored wins; change it with `resize`. @default 4 */
  readonly shards?: number;
  /** How keys map to shards; every process of a queue must use the same kind. @default rendezvousRouter() */
  readonly router?: ShardRouterFactory;
  /**
   * `'fifo'`: a key's jobs run one at a time, in the order they were added,
   * retries included. `'none'`: jobs are independent, so `priority`, `delay`
   * and `concurrency` above 1 are allowed.
   * @default 'fifo'
   */
  readonly keyOrder?: KeyOrder;
  /**
   * Jobs that may run at once on each shard. With `keyOrder: 'fifo'` on
   * Redis it must be 1 (a shard is one list); more shards give more
   * parallelism.
   * @default 1
   */
  readonly concurrency?: number;
  /** Attempts per job, 1 to 1000; 1 means no retry. @default 1 */
  readonly attempts?: number;
  /**
   * Ms to wait before a retry, or a function of the attempt about to start
   * (2 for the first retry). The job keeps its place at the head of its
   * shard while it waits.
   * @default 1000
   */
  readonly backoff?: Backoff;
  /** How long one attempt may run, in ms; then its signal aborts and it fails with `DeadlineExceededError`. @default Infinity */
  readonly timeout?: number;
  /** Most jobs that may wait to start, over all shards (approximate on Redis; see the README). @default Infinity */
  readonly maxSize?: number;
  /** At `maxSize`: `'reject'` rejects `add` with `QueueFullError`; `'wait'` waits for room. @default 'reject' */
  readonly whenFull?: WhenFull;
  /** Per shard: at most this many jobs start in each `interval`. @default Infinity */
  readonly intervalCap?: number;
  /** Per shard: the rate-limit window in ms; 0 turns the rate limit off. @default 0 */
  readonly interval?: number;
  /** Finished jobs whose outcome `result` can still read, per shard on Redis, per queue in process. @default 1000 */
  readonly keepResults?: number;
}

const KNOWN_OPTIONS = [
  'handlers',
  'engine',
  'name',
  'work',
  'shards',
  'router',
  'keyOrder',
  'concurrency',
  'attempts',
  'backoff',
  'timeout',
  'maxSize',
  'whenFull',
  'intervalCap',
  'interval',
  'keepResults',
] as const;

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function resolveJobOptions(
  options: JobQueueOptions<JobHandlers>,
  defaultEngine: () => JobEngine,
): {
  config: JobQueueConfig;
  handlers: ReadonlyMap<string, JobHandler>;
  engine: JobEngine;
} {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, KNOWN_OPTIONS);
  const handlerRecord = given.handlers;
  if (handlerRecord === null || typeof handlerRecord !== 'object' || Array.isArray(handlerRecord)) {
    throw new InvalidOptionError('handlers', 'an object of handler functions by name', handlerRecord);
  }
  const handlers = new Map<string, JobHandler>();
  for (const [name, handler] of Object.entries(handlerRecord)) {
    if (!NAME_PATTERN.test(name)) {
      throw new InvalidOptionError(`handlers.${name}`, 'a name of 1 to 64 letters, digits, _ or -', name);
    }
    handlers.set(name, functionOption(`handlers.${name}`, handler));
  }
  const name = given.name ?? 'jobs';
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidOptionError('name', 'a name of 1 to 64 letters, digits, _ or -', name);
  }
  const work = given.work ?? true;
  if (typeof work !== 'boolean') throw new InvalidOptionError('work', 'true or false', work);
  const router = given.router ?? rendezvousRouter();
  if (router === null || typeof router !== 'object' || typeof router.create !== 'function') {
    throw new InvalidOptionError('router', 'a ShardRouterFactory, such as rendezvousRouter()', router);
  }
  const engine = given.engine ?? defaultEngine();
  if (engine === null || typeof engine !== 'object' || typeof engine.open !== 'function') {
    throw new InvalidOptionError('engine', 'a JobEngine: inProcessEngine() or redisEngine(…)', engine);
  }
  const orderedKeys = oneOfOption('keyOrder', given.keyOrder ?? 'fifo', ['fifo', 'none']) === 'fifo';
  const config: JobQueueConfig = {
    name,
    work,
    shards: integerOption('shards', given.shards ?? 4, { min: 1, max: MAX_SHARDS }),
    router,
    orderedKeys,
    concurrency: integerOption('concurrency', given.concurrency ?? 1, { min: 1, max: 10_000 }),
    attempts: integerOption('attempts', given.attempts ?? 1, { min: 1, max: MAX_ATTEMPTS }),
    backoff: resolveBackoff(given.backoff),
    timeout: timeoutOption('timeout', given.timeout),
    maxSize: integerOption('maxSize', given.maxSize ?? Number.POSITIVE_INFINITY, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    whenFull: oneOfOption('whenFull', given.whenFull ?? 'reject', ['reject', 'wait']),
    intervalCap: integerOption('intervalCap', given.intervalCap ?? Number.POSITIVE_INFINITY, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    interval: durationOption('interval', given.interval ?? 0, { min: 0, max: MAX_TIMER_DELAY }),
    keepResults: integerOption('keepResults', given.keepResults ?? 1000, { min: 0, max: 10_000_000 }),
  };
  engine.check?.(config);
  return { config, handlers, engine };
}

function resolveBackoff(backoff: unknown): (attempt: number) => number {
  if (backoff === undefined) return () => 1000;
  if (typeof backoff === 'function') return backoff as (attempt: number) => number;
  const fixed = durationOption('backoff', backoff, { min: 0, max: MAX_TIMER_DELAY });
  return () => fixed;
}

/** A timeout in (0, 2³¹−1] ms, or Infinity for none. */
export function timeoutOption(option: string, value: unknown): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return durationOption(option, value, { min: 0, minExclusive: true, max: MAX_TIMER_DELAY });
}
