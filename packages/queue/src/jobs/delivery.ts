import { type Clock, createDeadline, delay, raceAbort } from '@palisade/core';
import type { QueueKey } from '../key.js';
import type { JobEventSink, JobQueueConfig } from './engine.js';
import { JobLostError } from './errors.js';
import { checkJson } from './json.js';
import type { JobContext, JobHandler } from './types.js';

/** The longest backoff a timer can wait. */
const MAX_BACKOFF = 2 ** 31 - 1;

/** One delivery of a job to this process: what the engine knows, and how it keeps state between attempts. */
export interface Delivery {
  readonly id: string;
  readonly name: string;
  readonly key: QueueKey;
  readonly shard: number;
  /** A fresh copy of the payload, for each attempt (so an attempt that mutates it cannot change the next). */
  payload(): unknown;
  /** Attempts that failed before this delivery began (kept across redeliveries). */
  readonly failedAttempts: number;
  /** Aborts the running attempt: the job is no longer this process's to run. */
  readonly signal: AbortSignal;
  /** Aborts a backoff: the engine gives the job back at the head of its shard (a graceful close, a lease handover). */
  readonly interrupt: AbortSignal | undefined;
  /**
   * A fencing token for the running attempt, larger than any handed out
   * before; rejects with `JobLostError` when the job is no longer this
   * process's. Called at most once per attempt, when the handler first asks.
   */
  nextFencingToken(): number | Promise<number>;
  /** Stores the count of failed attempts, so that a redelivery goes on counting. */
  recordFailure(failedAttempts: number): void | Promise<void>;
}

export type DeliveryOutcome =
  | { readonly kind: 'completed'; readonly result: unknown; readonly attempt: number }
  | { readonly kind: 'failed'; readonly error: unknown; readonly attempt: number }
  /** The backoff before `failedAttempts + 1` was interrupted; the job goes back to the head of its shard. */
  | { readonly kind: 'interrupted'; readonly failedAttempts: number };

/**
 * Runs a job's attempts in place: a failed attempt waits out its backoff
 * and runs again here, so the job never leaves the head of its shard and no
 * later job of its key can overtake it. This is the retry that keeps order;
 * a queue that re-enqueues a failed job at the tail (BullMQ's own retry)
 * lets the key's next job run first.
 */
export async function runDelivery(
  delivery: Delivery,
  handler: JobHandler,
  config: JobQueueConfig,
  clock: Clock,
  events: JobEventSink,
): Promise<DeliveryOutcome> {
  let failed = delivery.failedAttempts;
  for (;;) {
    const attempt = failed + 1;
    const startedAt = clock.now();
    const outcome = await runAttempt(delivery, handler, attempt, config.timeout, clock);
    const duration = clock.now() - startedAt;
    if (outcome.ok) {
      events.completed({
        id: delivery.id,
        name: delivery.name,
        key: delivery.key,
        shard: delivery.shard,
        attempt,
        duration,
      });
      return { kind: 'completed', result: outcome.value, attempt };
    }
    failed = attempt;
    // A job taken from this process (lock or lease lost) is retried by its next owner, not here.
    const taken = delivery.signal.aborted || outcome.error instanceof JobLostError;
    const willRetry = failed < config.attempts;
    events.failed({
      id: delivery.id,
      name: delivery.name,
      key: delivery.key,
      shard: delivery.shard,
      attempt,
      duration,
      error: outcome.error,
      willRetry: willRetry || taken,
    });
    if (taken) return { kind: 'interrupted', failedAttempts: failed - 1 };
    if (!willRetry) return { kind: 'failed', error: outcome.error, attempt };
    await delivery.recordFailure(failed);
    const wait = backoffFor(config, failed + 1);
    if (delivery.interrupt?.aborted) return { kind: 'interrupted', failedAttempts: failed };
    if (wait > 0) {
      try {
        await delay(wait, { clock, signal: delivery.interrupt });
      } catch {
        return { kind: 'interrupted', failedAttempts: failed };
      }
    }
  }
}

type AttemptOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

async function runAttempt(
  delivery: Delivery,
  handler: JobHandler,
  attempt: number,
  timeout: number,
  clock: Clock,
): Promise<AttemptOutcome> {
  const deadline = createDeadline(timeout, { clock, signal: delivery.signal });
  let token: Promise<number> | undefined;
  const context: JobContext = {
    id: delivery.id,
    name: delivery.name,
    key: delivery.key,
    shard: delivery.shard,
    attempt,
    signal: deadline.signal,
    fencingToken: () => {
      token ??= Promise.resolve().then(() => delivery.nextFencingToken());
      return token;
    },
  };
  try {
    const work = new Promise<unknown>((resolve) => resolve(handler(delivery.payload(), context)));
    const value = await raceAbort(work, deadline.signal);
    // Checked here, where the handler's author can see which job broke it, not later in a JSON encoder.
    checkJson(value === undefined ? null : value, 'result');
    return { ok: true, value: value === undefined ? null : value };
  } catch (error) {
    return { ok: false, error };
  } finally {
    deadline.dispose();
  }
}
function backoffFor(config: JobQueueConfig, attempt: number): number {
  let wait: number;
  try {
    wait = config.backoff(attempt);
  } catch {
    return 0;
  }
  if (typeof wait !== 'number' || Number.isNaN(wait) || wait <= 0) return 0;
  return Math.min(wait, MAX_BACKOFF);
}
