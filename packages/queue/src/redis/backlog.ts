import type { RedisContext } from './context.js';
import { servedShards } from './ring.js';

/**
 * The queue's backlog as this producer sees it, for `maxSize`: the jobs
 * waiting to start over all shards, measured once per heartbeat (and when an
 * add finds the queue full), plus this process's own adds since. Other
 * producers' adds since the last measurement are what it misses: the queue
 * can overshoot `maxSize` by at most what they add in one heartbeat, and it
 * can turn an add away while jobs that started since still count.
 */
export class BacklogEstimate {
  readonly #ctx: RedisContext;
  #measured = 0;
  #addedSince = 0;
  #measuring: Promise<void> | undefined;

  constructor(ctx: RedisContext) {
    this.#ctx = ctx;
  }

  get estimate(): number {
    return this.#measured + this.#addedSince;
  }

  added(): void {
    this.#addedSince++;
  }

  measure(): Promise<void> {
    this.#measuring ??= this.#measure().finally(() => {
      this.#measuring = undefined;
    });
    return this.#measuring;
  }

  async #measure(): Promise<void> {
    const ring = this.#ctx.membership.ring;
    if (ring === undefined) return;
    const addedBefore = this.#addedSince;
    const counts = await Promise.all(
      servedShards(ring).map(async (shard) => {
        const key = (name: string): string => this.#ctx.keys.bullKey(shard, name);
        const replies = await this.#ctx.control.pipeline().llen(key('wait')).zcard(key('prioritized')).exec();
        return (replies ?? []).reduce((total, [error, value]) => total + (error ? 0 : Number(value)), 0);
      }),
    );
    this.#measured = counts.reduce((a, b) => a + b, 0);
    // Adds that raced the measurement may or may not be in it; counting them again errs on the side of the limit.
    this.#addedSince -= Math.min(addedBefore, this.#addedSince);
  }
}
