import type { JobQueueStats, JobShardStats } from '../jobs/types.js';
import type { RedisContext } from './context.js';
import { type RingState, readRing, servedShards } from './ring.js';
import { countLive } from './script.js';

interface ShardCounts {
  readonly backlog: number;
  readonly active: number;
  readonly completed: number;
  readonly failed: number;
  readonly owner: string | undefined;
  readonly paused: boolean;
}

/** One round trip per shard (a pipeline in the shard's slot). */
export async function shardCounts(ctx: RedisContext, shard: number): Promise<ShardCounts> {
  const key = (name: string): string => ctx.keys.bullKey(shard, name);
  const replies = await ctx.control
    .pipeline()
    .llen(key('wait'))
    .zcard(key('prioritized'))
    .zcard(key('delayed'))
    .llen(key('active'))
    .hget(key('metrics:completed'), 'count')
    .hget(key('metrics:failed'), 'count')
    .get(ctx.keys.shardKey(shard, 'lease'))
    .hget(key('meta'), 'paused')
    .scard(ctx.keys.shardKey(shard, 'fences'))
    .exec();
  const value = (index: number): unknown => {
    const [error, result] = replies?.[index] ?? [new Error('no reply'), null];
    if (error) throw error;
    return result;
  };
  return {
    backlog: Number(value(0)) + Number(value(1)) + Number(value(2)),
    active: Number(value(3)),
    // Fence jobs (one per giving shard per resize) are BullMQ jobs too; they are not the user's.
    completed: Math.max(0, Number(value(4) ?? 0) - Number(value(8))),
    failed: Number(value(5) ?? 0),
    owner: (value(6) as string | null) ?? undefined,
    paused: value(7) !== null,
  };
}

/**
 * The queue's stats. `highWater` keeps each shard's largest totals seen by
 * this process: a fence job is counted as passed a moment before BullMQ
 * counts it completed, and without the high-water mark a snapshot taken in
 * between would show a completed total one lower than the one before.
 */
export async function readStats(
  ctx: RedisContext,
  highWater: Map<number, { completed: number; failed: number }>,
): Promise<JobQueueStats> {
  const ring = (await readRing(ctx.control, ctx.keys)) as RingState;
  const served = servedShards(ring);
  const retired = ring.everShards.filter((shard) => !served.includes(shard));
  const [counts, retiredCounts, workers] = await Promise.all([
    Promise.all(served.map((shard) => shardCounts(ctx, shard))),
    Promise.all(retired.map((shard) => shardCounts(ctx, shard))),
    countLive.run(ctx.control, [ctx.keys.workers], []) as Promise<number>,
  ]);
  const monotone = (shard: number, counts: ShardCounts): ShardCounts => {
    const seen = highWater.get(shard) ?? { completed: 0, failed: 0 };
    const completed = Math.max(seen.completed, counts.completed);
    const failed = Math.max(seen.failed, counts.failed);
    highWater.set(shard, { completed, failed });
    return { ...counts, completed, failed };
  };
  served.forEach((shard, index) => {
    counts[index] = monotone(shard, counts[index] as ShardCounts);
  });
  retired.forEach((shard, index) => {
    retiredCounts[index] = monotone(shard, retiredCounts[index] as ShardCounts);
  });
  const retiringIds = new Set(ring.retiring.map((shard) => shard.id));
  const shards: JobShardStats[] = served.map((id, index) => ({
    id,
    ...(counts[index] as ShardCounts),
    retiring: retiringIds.has(id),
  }));
  const sum = (list: readonly ShardCounts[], field: 'backlog' | 'active' | 'completed' | 'failed'): number =>
    list.reduce((total, each) => total + each[field], 0);
  const active = shards.filter((shard) => !shard.retiring);
  const loads = active.map((shard) => shard.backlog + shard.active);
  const totalLoad = loads.reduce((a, b) => a + b, 0);
  return {
    engine: 'redis',
    name: ctx.config.name,
    epoch: ring.epoch,
    router: ring.router,
    shards,
    backlog: sum(counts, 'backlog'),
    active: sum(counts, 'active'),
    completed: sum(counts, 'completed') + sum(retiredCounts, 'completed'),
    failed: sum(counts, 'failed') + sum(retiredCounts, 'failed'),
    imbalance: totalLoad === 0 ? 1 : Math.max(...loads) / (totalLoad / loads.length),
    workers,
  };
}
