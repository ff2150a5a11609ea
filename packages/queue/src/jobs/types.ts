import type { QueueClosedError, QueueFullError } from '../errors.js';
import type { QueueKey } from '../key.js';
import type { WhenFull } from '../options.js';

/** What a handler learns about the job it runs. */
export interface JobContext {
  /** The job's id, as `add` returned it. */
  readonly id: string;
  /** The handler's name. */
  readonly name: string;
  /** The key the job was added with; its jobs run in order. */
  readonly key: QueueKey;
  /** The shard the job runs on. */
  readonly shard: number;
  /** 1 for the first attempt; each retry adds one. A redelivery after a crash keeps the count of failed attempts. */
  readonly attempt: number;
  /**
   * Aborts when the attempt's `timeout` passes, or when this process stops
   * running the job (its lock or lease was lost, or the queue was closed
   * hard). Pass it to the work so that it stops too.
   */
  readonly signal: AbortSignal;
  /**
   * This attempt's fencing token: a number larger than every token any
   * earlier start of a job of this key was given (each attempt and each
   * redelivery is a start). A store that remembers the largest token it has
   * accepted for a record, and refuses writes with a smaller one, thereby
   * refuses a worker that was frozen past its lock while the job ran
   * elsewhere. Taken from Redis the first time it is asked for (so jobs that
   * never ask cost nothing), only while this worker still holds the job:
   * otherwise it rejects with `JobLostError`. Every call within one attempt
   * returns the same token. See "Fencing" in the README.
   */
  fencingToken(): Promise<number>;
}

/** Runs one job. The payload arrives as JSON data; the result must be JSON data too. */
// biome-ignore lint/suspicious/noExplicitAny: a handler's payload type is whatever its author declares
export type JobHandler<Payload = any, Result = unknown> = (
  payload: Payload,
  context: JobContext,
) => Result | Promise<Result>;

/** Handlers by name: the jobs a queue knows. */
// biome-ignore lint/suspicious/noExplicitAny: each handler keeps its own payload and result types
export type JobHandlers = Record<string, JobHandler<any, any>>;

/** The payload type a handler takes. */
export type PayloadOf<H> = H extends (payload: infer P, context: JobContext) => unknown ? P : never;

/** The result type a handler resolves to. */
export type ResultOf<H> = H extends (payload: never, context: JobContext) => infer R ? Awaited<R> : never;

/** Options of one `add`. */
export interface AddJobOptions {
  /** The key: jobs of one key run in the order they were added. A string, or a number other than NaN. */
  readonly key: QueueKey;
  /**
   * The job's id. Adding a job whose id exists does nothing, so after a
   * `QueueUnavailableError` the same `add` can be repeated safely. Letters,
   * digits, `_`, `.` and `-`, up to 200 characters, and not only digits.
   * @default a fresh random id
   */
  readonly id?: string;
  /** Higher runs first. Only with `keyOrder: 'none'`, where it cannot reorder a key's jobs. @default 0 */
  readonly priority?: number;
  /** Run no earlier than this many ms from now. Only with `keyOrder: 'none'`. @default 0 */
  readonly delay?: number;
  /** Overrides the queue's `whenFull` for this job. */
  readonly whenFull?: WhenFull;
  /** Cancels the `add` while it waits for room or for Redis; a job already stored is not removed. */
  readonly signal?: AbortSignal;
}

/** Options of `result`. */
export interface ResultOptions {
  /** Stops waiting (the job goes on). */
  readonly signal?: AbortSignal;
  /** Stops waiting after this many ms with `DeadlineExceededError` (the job goes on). @default Infinity */
  readonly timeout?: number;
}

/** Emitted by `onCompleted`: a job this process ran succeeded. */
export interface JobCompletedEvent {
  readonly id: string;
  readonly name: string;
  readonly key: QueueKey;
  readonly shard: number;
  readonly attempt: number;
  /** Milliseconds the attempt ran, on the queue's clock. */
  readonly duration: number;
}

/** Emitted by `onFailed`: an attempt this process ran threw, rejected or timed out. */
export interface JobFailedEvent {
  readonly id: string;
  readonly name: string;
  readonly key: QueueKey;
  readonly shard: number;
  readonly attempt: number;
  /** Milliseconds the attempt ran, on the queue's clock. */
  readonly duration: number;
  readonly error: unknown;
  /** True when another attempt follows (at the head of the shard, after the backoff); false when the job has failed for good. */
  readonly willRetry: boolean;
}

/** Emitted by `onStalled`: this process found a job whose worker stopped renewing its lock, and put it back at the head of its shard. */
export interface JobStalledEvent {
  readonly id: string;
  readonly shard: number;
}

/** Emitted by `onRedelivered`: this process started a job that had been started before (by a worker that died or lost its lock). */
export interface JobRedeliveredEvent {
  readonly id: string;
  readonly name: string;
  readonly key: QueueKey;
  readonly shard: number;
  /** How many times the job has been started, this time included. */
  readonly deliveries: number;
}

/** Emitted by `onHandoff`: keys that moved in a resize have drained from their old shards, and their new shards run them now. */
export interface JobHandoffEvent {
  /** The ring's epoch after the resize. */
  readonly epoch: number;
  /** The shards the moving keys left. */
  readonly fromShards: readonly number[];
  /** The shards they moved to, which held their jobs until now. */
  readonly toShards: readonly number[];
  /** In process, handoffs are per key: the key. On Redis, undefined (one handoff per resize). */
  readonly key: QueueKey | undefined;
}

/** Emitted by `onResize`: the shard set changed. */
export interface JobResizeEvent {
  readonly epoch: number;
  readonly previousShards: readonly number[];
  readonly shards: readonly number[];
  /** The fraction of a sample of 4,096 keys whose shard changed. */
  readonly movedFraction: number;
}

/**
 * Emitted by `onReject`: an `add` was turned away, and it rejects with
 * `error`. `'full'`: the queue held `maxSize` jobs waiting (an estimate on
 * Redis: `size`) and the add's `whenFull` was `'reject'`; `'closed'`: the
 * queue was closed.
 */
export type JobRejectEvent =
  | {
      readonly reason: 'full';
      readonly name: string;
      readonly key: QueueKey;
      readonly error: QueueFullError;
      /** The backlog the queue saw. */
      readonly size: number;
    }
  | { readonly reason: 'closed'; readonly name: string; readonly key: QueueKey; readonly error: QueueClosedError };

/**
 * Emitted by `onMisroute`: a worker found a job that a producer added with
 * an old ring after its shard had handed the key over (a producer paused
 * longer than the protocol allows, see "Resize"). The job was forwarded to
 * the key's current shard; its order relative to the key's other jobs is not
 * guaranteed.
 */
export interface JobMisrouteEvent {
  readonly id: string;
  /** The id of the forwarded copy; `result(id)` follows it. */
  readonly forwardedTo: string;
  readonly key: QueueKey;
  readonly fromShard: number;
  readonly toShard: number;
  /** The ring epoch the producer routed with. */
  readonly producerEpoch: number;
  readonly epoch: number;
}

/**
 * Emitted by `onDataLoss`: Redis came back without the queue's data (it
 * restarted without persistence, or failed over to a replica that had not
 * received the writes). Every job stored before is gone: `result` of such a
 * job rejects with `JobNotFoundError`. The queue carries on with a new ring.
 */
export interface JobDataLossEvent {
  /** The ring that was lost. */
  readonly previousGeneration: string;
  /** The ring the queue goes on with. */
  readonly generation: string;
  /** Its epoch. */
  readonly epoch: number;
}

/** One shard, as `stats()` sees it. */
export interface JobShardStats {
  readonly id: number;
  /** Jobs waiting to start (delayed ones included). */
  readonly backlog: number;
  /** Jobs running (on Redis: in BullMQ's active list, a crashed worker's job included until it is redelivered). */
  readonly active: number;
  /** Jobs that succeeded on this shard, ever (a running total). */
  readonly completed: number;
  /** Jobs that failed for good on this shard, ever (a running total). */
  readonly failed: number;
  /** The worker process holding the shard's lease (`host/pid/random`); `'local'` in process; undefined when none does. */
  readonly owner: string | undefined;
  /** Held back during a resize until the shards it receives keys from have drained them. */
  readonly paused: boolean;
  /** Removed by a resize, still draining. */
  readonly retiring: boolean;
}

/** A snapshot from `stats()`. Running totals never decrease: a removed shard's counts stay in them. */
export interface JobQueueStats {
  /** `'in-process'` or `'redis'`. */
  readonly engine: string;
  readonly name: string;
  /** Bumped by every resize. */
  readonly epoch: number;
  readonly router: string;
  /** Active shards in ring order, then retiring ones. */
  readonly shards: readonly JobShardStats[];
  readonly backlog: number;
  readonly active: number;
  readonly completed: number;
  readonly failed: number;
  /** Max over mean of the active shards' backlog + active: 1 is perfect balance (and an empty queue). */
  readonly imbalance: number;
  /** Worker processes alive (1 in process). */
  readonly workers: number;
}
