import type { ResizeEvent } from './events.js';
import type { KeyHandoff } from './key-handoff.js';
import type { QueueCounts } from './queue-counts.js';
import type { ShardRouting } from './shard-routing.js';
import type { ShardState } from './shard-state.js';
import type { ThroughputMeter } from './throughput.js';

/** One shard, as `stats()` sees it. */
export interface ShardStats {
  readonly id: number;
  /** Tasks waiting to start on this shard: `queued + parked`. Bounded by `maxShardSize`. */
  readonly size: number;
  /** Tasks in the shard's backend, waiting to start. */
  readonly queued: number;
  /** Tasks routed here whose key is still draining from its previous shard (see "Live resize"). */
  readonly parked: number;
  /** Tasks running. */
  readonly pending: number;
  /** Tasks waiting for room on this shard (`whenFull: 'wait'`); not yet counted in `size`. */
  readonly waitingForRoom: number;
  /** Tasks routed to this shard since it was created. */
  readonly added: number;
  /** Tasks that ran and fulfilled. */
  readonly completed: number;
  /** Tasks that ran and rejected, threw, timed out, or were aborted while running. */
  readonly failed: number;
  /** Tasks finished (completed or failed) per second; see `throughputWindow`. */
  readonly throughput: number;
  /** Removed from the router and draining its last tasks. */
  readonly retiring: boolean;
}

/** A snapshot of the whole queue: cheap (O(shards)), JSON-serialisable. */
export interface QueueStats {
  /** Clock time of the snapshot. */
  readonly at: number;
  /** The router's kind and the backend's name. */
  readonly router: string;
  readonly backend: string;
  /** Active shards in the order they were added, then retiring ones. */
  readonly shards: readonly ShardStats[];
  readonly size: number;
  readonly pending: number;
  readonly waitingForRoom: number;
  /**
   * Tasks that ran and fulfilled since the queue was created: a running
   * count that never decreases, removed shards' tasks included.
   */
  readonly completed: number;
  /** Tasks that ran and failed since the queue was created; never decreases, like `completed`. */
  readonly failed: number;
  /** Tasks finished per second over `throughputWindow`, on every shard, removed ones included. */
  readonly throughput: number;
  /**
   * Max over mean of the active shards' load (waiting + running): 1 is
   * perfect balance, 2 means the busiest shard carries twice its share.
   * 1 when the queue is empty.
   */
  readonly imbalance: number;
  /** Times the bounded-load router placed a key on a shard other than its first choice. */
  readonly spills: number;
  /** Keys whose tasks are parked right now, waiting to move shards. */
  readonly movingKeys: number;
  /** Key moves completed (parked tasks released to the new shard). */
  readonly handoffs: number;
  /** The last resize, or undefined if there was none. */
  readonly lastResize: ResizeEvent | undefined;
}

/** What a queue's stats are read from. */
export interface StatsSources {
  readonly routing: ShardRouting;
  readonly keys: KeyHandoff | undefined;
  readonly counts: QueueCounts;
  /** The whole queue's throughput, removed shards' finishes included. */
  readonly meter: ThroughputMeter;
}

/** The queue's stats at `now`: active shards in router order, then retiring ones. */
export function queueStats(
  { routing, keys, counts, meter }: StatsSources,
  backend: string,
  lastResize: ResizeEvent | undefined,
  now: number,
): QueueStats {
  const shards = [...routing.active, ...routing.all().filter((shard) => shard.retiring)];
  return {
    at: now,
    router: routing.router.kind,
    backend,
    shards: shards.map((shard) => shardStats(shard, now)),
    size: counts.size,
    pending: counts.pending,
    waitingForRoom: counts.waitingForRoom,
    completed: counts.completed,
    failed: counts.failed,
    throughput: meter.read(now, counts.completed + counts.failed),
    imbalance: routing.imbalance(),
    spills: routing.spills,
    movingKeys: keys?.movingKeys ?? 0,
    handoffs: keys?.handoffs ?? 0,
    lastResize,
  };
}

/** One shard's stats at `now`; reading them records a throughput sample. */
function shardStats(shard: ShardState, now: number): ShardStats {
  return {
    id: shard.id,
    size: shard.size,
    queued: shard.queued,
    parked: shard.parked,
    pending: shard.running,
    waitingForRoom: shard.waitingForRoom,
    added: shard.added,
    completed: shard.completed,
    failed: shard.failed,
    throughput: shard.meter.read(now, shard.completed + shard.failed),
    retiring: shard.retiring,
  };
}
