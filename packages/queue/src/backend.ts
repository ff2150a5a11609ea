import type { Clock } from '@palisade/core';
import type { QueueKey } from './key.js';

/** What a backend sees of a task: the key it is ordered by and its priority. */
export interface ShardJob {
  readonly key: QueueKey;
  readonly priority: number;
}

/** Everything a backend needs to run one shard. */
export interface ShardSpec<Job extends ShardJob> {
  readonly shardId: number;
  /** Jobs of this shard that may run at once. An integer ≥ 1, or Infinity. */
  readonly concurrency: number;
  /** Jobs of one key that may run at once. Infinity when keys are unordered. */
  readonly keyConcurrency: number;
  /**
   * True: a key's jobs start in the order they were enqueued, whatever their
   * priority. False: jobs of one key are independent, and priority orders
   * them too.
   */
  readonly orderedKeys: boolean;
  /** At most this many jobs start per window of `interval` ms (fixed windows; see `BackendShard`). Infinity: no rate limit. */
  readonly intervalCap: number;
  /** The rate-limit window in ms; 0 disables the rate limit. */
  readonly interval: number;
  /** The time source for the rate limit. */
  readonly clock: Clock;
  /**
   * Runs a job. The backend calls it when the job starts, once per job, and
   * counts the job as running until the call returns (when it returns
   * `undefined`) or the returned promise settles. It never throws and the
   * promise never rejects: the queue settles the caller's promise itself.
   */
  readonly execute: (job: Job) => undefined | PromiseLike<void>;
}

/**
 * The execution of one shard. The queue routes, orders handoffs, applies
 * backpressure and settles promises; the backend decides when each job starts.
 *
 * What a backend guarantees:
 * - `execute(job)` is called at most once per job, and never for a job that
 *   `cancel` or `clear` removed.
 * - Never more than `concurrency` jobs of the shard, nor more than
 *   `keyConcurrency` jobs of one key, are running (between the start of
 *   `execute` and its end) at once.
 * - With `orderedKeys`, the jobs of one key start in the order they were
 *   enqueued. Among keys, higher `priority` starts first and keys of equal
 *   priority take turns (round-robin), so a busy key cannot starve the others.
 * - No more than `intervalCap` jobs start per window on the spec's clock.
 *   Windows are fixed, as in p-queue and BullMQ's limiter: a window opens
 *   with the first start after the previous one closed and lasts `interval`
 *   ms. A sliding span of `interval` ms can straddle two windows, so it may
 *   see up to 2 × `intervalCap` starts (2 × `intervalCap` − 1 if it leaves
 *   out its end); over n × `interval` ms, at most (n + 1) × `intervalCap`.
 *   Callers that need a strict cap in every sliding span must halve
 *   `intervalCap`.
 * - `enqueue` never runs a job synchronously, so the caller can finish its
 *   own bookkeeping first.
 */
export interface BackendShard<Job extends ShardJob> {
  /** Queues a job. */
  enqueue(job: Job): void;
  /** Removes a job that has not started. False if it started already or is unknown. */
  cancel(job: Job): boolean;
  /** Removes every job that has not started, and returns them. Running jobs go on. */
  clear(): Job[];
  /** Starts nothing more; resolves when the running jobs have ended. */
  close(): Promise<void>;
}

/**
 * Where shards execute. The default, `pQueueBackend()`, runs each shard in
 * process on a p-queue. A distributed backend (BullMQ on Redis, say) would
 * implement the same two interfaces, and callers of `add(key, task)` would not
 * change.
 */
export interface QueueBackend {
  /** For stats and displays. */
  readonly name: string;
  createShard<Job extends ShardJob>(spec: ShardSpec<Job>): BackendShard<Job>;
}
