import type { ResizeEvent } from './events.js';
import type { ShardState } from './shard-state.js';

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

/** One shard's stats at `now`; reading them records a throughput sample. */
export function shardStats(shard: ShardState, now: number): ShardStats {
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
