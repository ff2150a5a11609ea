import type { QueueKey } from './key.js';

/** One shard, as `metrics()` sees it. */
export interface ShardMetrics {
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
export interface QueueMetrics {
  /** Clock time of the snapshot. */
  readonly at: number;
  /** The router's kind and the backend's name. */
  readonly router: string;
  readonly backend: string;
  /** Active shards in the order they were added, then retiring ones. */
  readonly shards: readonly ShardMetrics[];
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

/** Emitted by `onResize`, and kept as `metrics().lastResize`. */
export interface ResizeEvent {
  /** Clock time of the resize. */
  readonly at: number;
  readonly change: 'added' | 'removed';
  /** The shard added or removed. */
  readonly shardId: number;
  readonly previousShardIds: readonly number[];
  readonly shardIds: readonly number[];
  /**
   * The fraction of a fixed sample of 4,096 keys whose shard changed (the
   * router's first choice, ignoring load). The key space itself is unknown to
   * the queue; this is the estimate of what fraction of it moved.
   */
  readonly movedFraction: number;
  /** What consistent hashing promises: 1/(n+1) on adding the (n+1)th shard, the removed shard's 1/n on removing. */
  readonly expectedMovedFraction: number;
  /** Keys with tasks waiting or running at the resize. */
  readonly keysInFlight: number;
  /** Of those, the keys that move: their new tasks park until the old shard has drained them. */
  readonly keysMoving: number;
}

/** Emitted by `onSpill`: the bounded-load router put a key past its first-choice shard. */
export interface SpillEvent {
  readonly key: QueueKey;
  /** The router's first choice, which was at capacity. */
  readonly preferredShardId: number;
  readonly shardId: number;
}

/** Emitted by `onHandoff`: a moving key drained from its old shard, and its parked tasks were released to the new one. */
export interface HandoffEvent {
  readonly key: QueueKey;
  readonly fromShardId: number;
  readonly toShardId: number;
  /** Tasks released. */
  readonly tasks: number;
}
