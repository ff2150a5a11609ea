import { createDeadline, delay, raceAbort } from '@palisade/core';
import { Job, QueueEvents } from 'bullmq';
import { JobFailedError, JobNotFoundError } from '../jobs/errors.js';
import { type Envelope, isForwarded, type RedisContext } from './context.js';
import { readRing, servedShards } from './ring.js';

/** How often a waiting `result` looks at the job itself, in case it missed the event (events are not stored for late readers). */
const RECHECK = 1000;
/** Forwarded jobs followed at most this far. */
const MAX_FORWARDS = 16;

/** The shard a generated job id names (`<shard>-<uuid>`), or undefined for an id the caller chose. */
export function shardOfId(id: string): number | undefined {
  const match = /^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

/** Reads a job's outcome, waiting for it through BullMQ's event stream of its shard. */
export class ResultReader {
  readonly #ctx: RedisContext;
  readonly #events = new Map<number, QueueEvents>();
  readonly #wake = new Map<string, Set<() => void>>();
  #closed = false;

  constructor(ctx: RedisContext) {
    this.#ctx = ctx;
  }

  async result(id: string, timeout: number, signal: AbortSignal | undefined): Promise<unknown> {
    const deadline = createDeadline(timeout, { signal });
    try {
      return await raceAbort(this.#follow(id, deadline.signal, 0), deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  async #follow(id: string, signal: AbortSignal, forwards: number): Promise<unknown> {
    const shard = await this.#findShard(id);
    if (shard === undefined) throw new JobNotFoundError(id);
    const events = this.#eventsOf(shard);
    let wake: () => void = () => {};
    const listeners = this.#wake.get(id) ?? new Set();
    this.#wake.set(id, listeners);
    const listener = (): void => wake();
    listeners.add(listener);
    try {
      await events.waitUntilReady();
      for (;;) {
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const job = await Job.fromId(this.#ctx.adminQueue(shard), id);
        if (job === undefined) throw new JobNotFoundError(id);
        if (job.finishedOn !== undefined && job.failedReason !== undefined && job.failedReason !== null) {
          const envelope = job.data as Envelope;
          const cause = new Error(job.failedReason);
          if (envelope.x !== undefined) cause.name = envelope.x;
          const stack = job.stacktrace?.at(-1);
          if (typeof stack === 'string') cause.stack = stack;
          throw new JobFailedError(id, Math.max(1, envelope.f ?? 1), cause);
        }
        if (job.finishedOn !== undefined) {
          const value: unknown = job.returnvalue;
          if (isForwarded(value) && forwards < MAX_FORWARDS)
            return this.#follow(value.$forwardedTo, signal, forwards + 1);
          return value;
        }
        await Promise.race([woken, delay(RECHECK, { signal })]);
      }
    } finally {
      listeners.delete(listener);
      if (listeners.size === 0) this.#wake.delete(id);
    }
  }

  async #findShard(id: string): Promise<number | undefined> {
    const named = shardOfId(id);
    if (named !== undefined) return named;
    const ring = await readRing(this.#ctx.control, this.#ctx.keys);
    if (ring === undefined) return undefined;
    for (const shard of new Set([...servedShards(ring), ...ring.everShards])) {
      if ((await this.#ctx.control.exists(`${this.#ctx.keys.bullKey(shard, id)}`)) === 1) return shard;
    }
    return undefined;
  }

  #eventsOf(shard: number): QueueEvents {
    let events = this.#events.get(shard);
    if (events === undefined) {
      events = new QueueEvents(this.#ctx.keys.shardQueue(shard), {
        connection: this.#ctx.worker,
        prefix: this.#ctx.keys.prefix,
        skipVersionCheck: true,
      });
      events.on('error', () => {});
      const wake = ({ jobId }: { jobId: string }): void => {
        for (const listener of this.#wake.get(jobId) ?? []) listener();
      };
      events.on('completed', wake);
      events.on('failed', wake);
      this.#events.set(shard, events);
    }
    return events;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const events = [...this.#events.values()];
    this.#events.clear();
    await Promise.allSettled(events.map((each) => each.close()));
  }

  get closed(): boolean {
    return this.#closed;
  }
}
