import { realClock } from '@palisade/core';
import { murmur3String } from '../murmur3.js';
import type { RedisContext } from './context.js';
import type { Beat } from './membership.js';
import { repeat } from './repeat.js';
import { servedShards } from './ring.js';
import { acquireLease, releaseLease, renewLease } from './script.js';
import { ShardRunner } from './shard-runner.js';

/**
 * Which worker should own each shard: rendezvous hashing, capped so that
 * every worker gets ⌊shards / workers⌋ or ⌈shards / workers⌉ of them. The
 * shards spread evenly, and a worker joining or leaving moves few of them. A
 * pure function of its inputs, so every process computes the same answer
 * from the same heartbeat.
 */
export function assignShards(shards: readonly number[], workers: readonly string[]): Map<string, number[]> {
  const assignment = new Map<string, number[]>(workers.map((worker) => [worker, []]));
  if (workers.length === 0) return assignment;
  const base = Math.floor(shards.length / workers.length);
  let extra = shards.length % workers.length;
  for (const shard of [...shards].sort((a, b) => a - b)) {
    let best: string | undefined;
    let bestScore = -1;
    for (const worker of workers) {
      const owned = (assignment.get(worker) as number[]).length;
      if (owned > base || (owned === base && extra === 0)) continue;
      const score = murmur3String(`${worker}#${shard}`);
      if (score > bestScore || (score === bestScore && best !== undefined && worker < best)) {
        best = worker;
        bestScore = score;
      }
    }
    const owned = assignment.get(best as string) as number[];
    if (owned.length === base) extra--;
    owned.push(shard);
  }
  return assignment;
}

interface HeldShard {
  readonly runner: ShardRunner;
  /** Local time the last successful renewal was sent. */
  renewedAt: number;
  /** Set while the runner hands the shard over; the lease is released once it has stopped. */
  stopping: Promise<void> | undefined;
}

/**
 * The shards this process runs. Each heartbeat it renews its leases, lets go
 * of shards now assigned elsewhere (after their running job), and takes the
 * free ones assigned to it. A lease it cannot renew for `leaseDuration` is
 * lost: another process may own the shard, so its runner stops at once.
 */
export class LeaseManager {
  readonly #ctx: RedisContext;
  readonly #held = new Map<number, HeldShard>();
  #closed = false;

  constructor(ctx: RedisContext) {
    this.#ctx = ctx;
  }

  /** Shards this process holds the lease of and runs. */
  get shards(): number[] {
    return [...this.#held.entries()].filter(([, held]) => held.stopping === undefined).map(([shard]) => shard);
  }

  holds(shard: number): boolean {
    const held = this.#held.get(shard);
    return held !== undefined && held.stopping === undefined;
  }

  async tick(beat: Beat): Promise<void> {
    if (this.#closed) return;
    const ctx = this.#ctx;
    const me = ctx.membership.id;
    const serve = servedShards(beat.ring);
    const mine = new Set(assignShards(serve, beat.workers).get(me) ?? []);
    await Promise.all([...this.#held.keys()].map((shard) => this.#renew(shard)));
    for (const [shard, held] of this.#held) {
      if (held.stopping === undefined && !mine.has(shard)) this.#handOver(shard, held);
    }
    await Promise.all([...mine].filter((shard) => !this.#held.has(shard)).map((shard) => this.#acquire(shard)));
  }

  async #renew(shard: number): Promise<void> {
    const ctx = this.#ctx;
    const held = this.#held.get(shard) as HeldShard;
    const sentAt = realClock.now();
    let renewed: boolean;
    try {
      renewed =
        (await renewLease.run(
          ctx.control,
          [ctx.keys.shardKey(shard, 'lease')],
          [ctx.membership.id, ctx.options.leaseDuration],
        )) === 1;
    } catch {
      // Redis did not answer: the lease may still be ours until it would have expired.
      if (realClock.now() - held.renewedAt < ctx.options.leaseDuration) return;
      renewed = false;
    }
    if (renewed) {
      held.renewedAt = sentAt;
      return;
    }
    if (this.#held.get(shard) !== held) return;
    this.#held.delete(shard);
    void held.runner.lose();
  }

  #handOver(shard: number, held: HeldShard): void {
    held.stopping = held.runner.stop().finally(async () => {
      if (this.#held.get(shard) === held) this.#held.delete(shard);
      await this.#release(shard);
    });
  }

  async #acquire(shard: number): Promise<void> {
    const ctx = this.#ctx;
    const sentAt = realClock.now();
    let acquired: boolean;
    try {
      acquired =
        (await acquireLease.run(
          ctx.control,
          [ctx.keys.shardKey(shard, 'lease')],
          [ctx.membership.id, ctx.options.leaseDuration],
        )) === 1;
    } catch {
      return;
    }
    if (!acquired || this.#closed || this.#held.has(shard)) return;
    const runner = new ShardRunner(ctx, shard);
    const held: HeldShard = { runner, renewedAt: sentAt, stopping: undefined };
    this.#held.set(shard, held);
    // Not awaited: starting waits for Redis without a timeout, and the heartbeat that renews the leases must not wait with it.
    runner.start().catch(() => {
      // Try again on a later heartbeat rather than hold a shard nothing runs.
      if (this.#held.get(shard) === held) this.#handOver(shard, held);
    });
  }

  async #release(shard: number): Promise<void> {
    const ctx = this.#ctx;
    await releaseLease.run(ctx.control, [ctx.keys.shardKey(shard, 'lease')], [ctx.membership.id]).catch(() => {});
  }

  /** Hands every shard over (running jobs finish; a job in backoff goes back to the head) and releases the leases. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [shard, held] of this.#held) if (held.stopping === undefined) this.#handOver(shard, held);
    const stopping = Promise.all([...this.#held.values()].map((held) => held.stopping));
    // Leases stay renewed while the running jobs finish, so nobody takes a shard mid-job.
    const renewing = repeat(this.#ctx.options.heartbeatInterval, async () => {
      await Promise.all([...this.#held.keys()].map((shard) => this.#renew(shard)));
    });
    try {
      await stopping;
    } finally {
      renewing.dispose();
    }
  }
}
