import { type Clock, createDeadline, InvalidOptionError, raceAbort, realClock, type TimerHandle } from '@palisade/core';
import { NEVER_ABORTED_SIGNAL, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { QueueClosedError, QueueFullError } from '../errors.js';
import type { QueueKey } from '../key.js';
import { fmix32 } from '../murmur3.js';
import type { WhenFull } from '../options.js';
import { ShardedQueue } from '../sharded-queue.js';
import { runDelivery } from './delivery.js';
import type { EngineQueue, EngineSpec, JobEngine, JobQueueConfig, NewJob } from './engine.js';
import { JobFailedError, JobNotFoundError } from './errors.js';
import type { JobQueueStats, JobShardStats } from './types.js';

/** Options of `inProcessEngine()`. */
export interface InProcessEngineOptions {
  /** The source of time for timeouts, backoffs, delays and rate limits. @default realClock */
  readonly clock?: Clock;
}

/**
 * Runs jobs in this process, on a `ShardedQueue`: the default engine, for
 * tests and single-process apps. Nothing is persisted: jobs waiting or
 * running when the process ends are lost.
 */
export function inProcessEngine(options?: InProcessEngineOptions): JobEngine {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ['clock']);
  const clock = given.clock ?? realClock;
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw new InvalidOptionError('clock', 'a Clock: { now, setTimeout, clearTimeout }', clock);
  }
  return {
    kind: 'in-process',
    check(config: JobQueueConfig): void {
      if (!config.work) {
        throw new InvalidOptionError('work', 'true with the in-process engine, which runs every job it stores', false);
      }
    },
    open: (spec) => new InProcessQueue(spec, clock),
  };
}

interface JobRecord {
  readonly promise: Promise<unknown>;
}

class InProcessQueue implements EngineQueue {
  readonly #spec: EngineSpec;
  readonly #config: JobQueueConfig;
  readonly #clock: Clock;
  readonly #queue: ShardedQueue<QueueKey>;
  readonly #records = new Map<string, JobRecord>();
  /** Finished job ids, oldest first: the ones whose results are dropped past `keepResults`. */
  readonly #finished: string[] = [];
  #finishedHead = 0;
  readonly #delayed = new Map<TimerHandle, () => void>();
  #fencingToken = 0;
  #epoch = 1;
  #closing: Promise<void> | undefined;

  constructor(spec: EngineSpec, clock: Clock) {
    this.#spec = spec;
    this.#config = spec.config;
    this.#clock = clock;
    const config = spec.config;
    this.#queue = new ShardedQueue<QueueKey>({
      shards: config.shards,
      router: config.router,
      keyOrder: config.orderedKeys ? 'fifo' : 'none',
      concurrency: config.concurrency,
      intervalCap: config.intervalCap,
      interval: config.interval,
      clock,
    });
    this.#queue.onHandoff((event) =>
      spec.events.handoff({
        epoch: this.#epoch,
        fromShards: [event.fromShardId],
        toShards: [event.toShardId],
        key: event.key,
      }),
    );
  }

  async add(job: NewJob, whenFull: WhenFull, signal: AbortSignal | undefined): Promise<string> {
    if (job.id !== undefined && this.#records.has(job.id)) return job.id;
    const maxSize = this.#config.maxSize;
    while (!this.#closing && this.#size() >= maxSize) {
      if (whenFull === 'reject') {
        const error = new QueueFullError('maxSize', maxSize, this.#queue.shardFor(job.key));
        this.#spec.events.reject({ reason: 'full', name: job.name, key: job.key, error, size: this.#size() });
        throw error;
      }
      await this.#queue.onSizeLessThan(maxSize, { signal });
    }
    if (this.#closing) {
      const error = new QueueClosedError();
      this.#spec.events.reject({ reason: 'closed', name: job.name, key: job.key, error });
      throw error;
    }
    const id = job.id ?? globalThis.crypto.randomUUID();
    if (this.#records.has(id)) return id;
    const json = JSON.stringify(job.payload);
    if (job.delay > 0) {
      let release = (): void => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const timer = this.#clock.setTimeout(() => {
        this.#delayed.delete(timer);
        release();
      }, job.delay);
      this.#delayed.set(timer, release);
      this.#track(
        id,
        released.then(() => this.#enqueue(id, job, json)),
      );
    } else {
      this.#track(id, this.#enqueue(id, job, json));
    }
    return id;
  }

  #enqueue(id: string, job: NewJob, json: string): Promise<unknown> {
    const handler = this.#spec.handlers.get(job.name);
    return this.#queue.add(
      job.key,
      async ({ shardId }) => {
        const outcome = await runDelivery(
          {
            id,
            name: job.name,
            key: job.key,
            shard: shardId,
            payload: () => JSON.parse(json) as unknown,
            failedAttempts: 0,
            // Nothing takes a job from this process, and close() lets backoffs finish: nothing to abort.
            signal: NEVER_ABORTED_SIGNAL,
            interrupt: undefined,
            nextFencingToken: () => ++this.#fencingToken,
            recordFailure: () => {},
          },
          handler as NonNullable<typeof handler>,
          this.#config,
          this.#clock,
          this.#spec.events,
        );
        if (outcome.kind === 'completed') return outcome.result;
        if (outcome.kind === 'failed') throw new JobFailedError(id, outcome.attempt, outcome.error);
        // Only a taken job or an interrupted backoff ends this way, and neither happens in process.
        throw new QueueClosedError();
      },
      { priority: job.priority },
    );
  }

  #track(id: string, promise: Promise<unknown>): void {
    // result() may never be asked: the rejection is observed here so that it cannot crash the process.
    promise.then(
      () => this.#finish(id),
      () => this.#finish(id),
    );
    this.#records.set(id, { promise });
  }

  #finish(id: string): void {
    this.#finished.push(id);
    while (this.#finished.length - this.#finishedHead > this.#config.keepResults) {
      this.#records.delete(this.#finished[this.#finishedHead] as string);
      this.#finishedHead++;
    }
    if (this.#finishedHead > 1024 && this.#finishedHead * 2 > this.#finished.length) {
      this.#finished.splice(0, this.#finishedHead);
      this.#finishedHead = 0;
    }
  }

  /** Jobs waiting to start: what `maxSize` bounds. A delayed job counts once its delay has passed. */
  #size(): number {
    return this.#queue.size;
  }

  result(id: string, timeout: number, signal: AbortSignal | undefined): Promise<unknown> {
    const record = this.#records.get(id);
    if (record === undefined) return Promise.reject(new JobNotFoundError(id));
    const deadline = createDeadline(timeout, { clock: this.#clock, signal });
    return raceAbort(record.promise, deadline.signal).finally(deadline.dispose);
  }

  resize(count: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#closing) return Promise.reject(new QueueClosedError());
    const before = this.#queue.router;
    // The router changes inside this call; removed shards drain after it.
    const drained = this.#queue.resize(count);
    const after = this.#queue.router;
    if (after !== before) {
      this.#epoch++;
      let moved = 0;
      for (let i = 0; i < RESIZE_SAMPLE; i++) {
        const hash = fmix32(i + 0x3c6ef372);
        if (before.route(hash) !== after.route(hash)) moved++;
      }
      this.#spec.events.resize({
        epoch: this.#epoch,
        previousShards: before.shardIds,
        shards: after.shardIds,
        movedFraction: moved / RESIZE_SAMPLE,
      });
    }
    return raceAbort(drained, signal);
  }

  async stats(): Promise<JobQueueStats> {
    const metrics = this.#queue.stats();
    const shards: JobShardStats[] = metrics.shards.map((shard) => ({
      id: shard.id,
      backlog: shard.size + shard.waitingForRoom,
      active: shard.pending,
      completed: shard.completed,
      failed: shard.failed,
      owner: 'local',
      paused: false,
      retiring: shard.retiring,
    }));
    return {
      engine: 'in-process',
      name: this.#config.name,
      epoch: this.#epoch,
      router: metrics.router,
      shards,
      backlog: metrics.size + metrics.waitingForRoom + this.#delayed.size,
      active: metrics.pending,
      completed: metrics.completed,
      failed: metrics.failed,
      imbalance: metrics.imbalance,
      workers: 1,
    };
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      // Nobody can take over in process, so closing without losing anything means running what waits, delayed jobs at once.
      for (const [timer, release] of this.#delayed) {
        this.#clock.clearTimeout(timer);
        release();
      }
      this.#delayed.clear();
      this.#closing = Promise.resolve().then(() => this.#queue.close({ drain: true }));
    }
    return this.#closing;
  }
}

/** Keys sampled to estimate the fraction a resize moved, as ShardedQueue and the Redis engine do. */
const RESIZE_SAMPLE = 4096;
