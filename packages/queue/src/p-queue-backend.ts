import type { TimerHandle } from '@palisade/core';
import PQueue from 'p-queue';
import type { BackendShard, QueueBackend, ShardJob, ShardSpec } from './backend.js';
import { LaneScheduler } from './lane-scheduler.js';
import { FixedWindowRateLimit } from './rate-limit.js';

/** Synchronous tasks a worker runs in a row before it yields a microtask. */
const SYNCHRONOUS_BATCH = 64;

/**
 * The default backend: each shard runs in process on its own p-queue, whose
 * `concurrency` is the shard's. Every task passes through p-queue, but not
 * one p-queue job per task: a p-queue job is a worker that runs tasks one
 * after another from the shard's lane scheduler for as long as one is ready.
 * p-queue's cost per job (a promise, an async context binding, four events)
 * is then paid once per burst instead of once per task, and waiting tasks
 * sit in the lane scheduler, which holds them in fewer bytes than p-queue's
 * queue and never inserts in O(n). See the README's "How it works" for the
 * figures behind this choice.
 *
 * p-queue's own `interval` and `timeout` read the real clock, so they are not
 * used: the rate limit here, and the task timeout in the queue, run on the
 * injected clock.
 */
export function pQueueBackend(): QueueBackend {
  return { name: 'p-queue', createShard: (spec) => new PQueueShard(spec) };
}

class PQueueShard<Job extends ShardJob> implements BackendShard<Job> {
  readonly #spec: ShardSpec<Job>;
  readonly #lanes: LaneScheduler<Job>;
  readonly #rateLimit: FixedWindowRateLimit | undefined;
  readonly #pQueue: PQueue;
  #workers = 0;
  #pumpScheduled = false;
  #wakeTimer: TimerHandle | undefined;
  #closed = false;

  constructor(spec: ShardSpec<Job>) {
    this.#spec = spec;
    this.#lanes = new LaneScheduler({ keyConcurrency: spec.keyConcurrency, orderedKeys: spec.orderedKeys });
    this.#rateLimit =
      spec.intervalCap === Number.POSITIVE_INFINITY || spec.interval === 0
        ? undefined
        : new FixedWindowRateLimit(spec.intervalCap, spec.interval);
    this.#pQueue = new PQueue({ concurrency: spec.concurrency });
  }

  enqueue(job: Job): void {
    this.#lanes.push(job);
    this.#schedulePump();
  }

  cancel(job: Job): boolean {
    return this.#lanes.cancel(job);
  }

  clear(): Job[] {
    return this.#lanes.clear();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#clearWakeTimer();
    return this.#pQueue.onIdle();
  }

  /** Deferred, so `enqueue` never starts a task inside the caller's `add`. */
  #schedulePump(): void {
    if (this.#pumpScheduled || this.#workers >= this.#spec.concurrency || !this.#lanes.hasReady) return;
    this.#pumpScheduled = true;
    queueMicrotask(this.#pump);
  }

  readonly #pump = (): void => {
    this.#pumpScheduled = false;
    while (this.#workers < this.#spec.concurrency) {
      const job = this.#take();
      if (job === undefined) return;
      this.#workers++;
      void this.#pQueue.add(() => this.#work(job));
    }
  };

  /** One p-queue job: runs ready tasks back to back, awaiting only those that return a promise. */
  async #work(first: Job): Promise<void> {
    let job: Job | undefined = first;
    let synchronousRun = 0;
    try {
      while (job !== undefined) {
        try {
          const running = this.#spec.execute(job);
          if (running !== undefined) {
            synchronousRun = 0;
            await running;
          }
        } finally {
          this.#lanes.done(job);
        }
        // A long run of synchronous tasks would keep the other shards and
        // every promise continuation waiting until it ends: yield now and then.
        if (++synchronousRun === SYNCHRONOUS_BATCH) {
          synchronousRun = 0;
          await undefined;
        }
        job = this.#take();
        // The task that finished may have made a second lane ready besides
        // the one this worker took next: an idle slot should take it.
        if (job !== undefined) this.#schedulePump();
      }
    } finally {
      this.#workers--;
    }
  }

  #take(): Job | undefined {
    if (this.#closed || !this.#lanes.hasReady) return undefined;
    if (this.#rateLimit !== undefined) {
      const now = this.#spec.clock.now();
      if (!this.#rateLimit.tryStart(now)) {
        this.#wakeAt(this.#rateLimit.windowEnd - now);
        return undefined;
      }
    }
    return this.#lanes.next();
  }

  #wakeAt(delay: number): void {
    if (this.#wakeTimer !== undefined) return;
    this.#wakeTimer = this.#spec.clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#pump();
    }, delay);
  }

  #clearWakeTimer(): void {
    if (this.#wakeTimer === undefined) return;
    this.#spec.clock.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }
}
