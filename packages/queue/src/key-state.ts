import type { QueueKey } from './key.js';
import type { ShardState, Task } from './shard-state.js';

/**
 * What the queue knows about a key that has tasks somewhere (with
 * `keyOrder: 'fifo'`). It exists only while the key has tasks waiting for
 * room, parked, queued or running, so the map stays as small as the set of
 * busy keys. It is how per-key order survives backpressure, load-aware
 * placement and resizes: a key's new task never overtakes its older ones.
 */
export class KeyState {
  readonly key: QueueKey;
  readonly hash: number;
  /** Where the key's queued and running tasks are. */
  shard: ShardState;
  /** Tasks of the key queued or running on `shard`. */
  inFlight = 0;
  /** The router epoch at which `shard` was last confirmed as the key's route. */
  routedAt: number;
  /** Tasks routed to `movingTo`, held until `inFlight` reaches 0 (the drain-then-move handoff). */
  parked: Task[] | undefined;
  movingTo: ShardState | undefined;
  /** Tasks of the key waiting for room, all in `roomShard.roomWaiters`. */
  waitingForRoom = 0;
  roomShard: ShardState | undefined;

  constructor(key: QueueKey, hash: number, shard: ShardState, epoch: number) {
    this.key = key;
    this.hash = hash;
    this.shard = shard;
    this.routedAt = epoch;
  }

  get isIdle(): boolean {
    return this.inFlight === 0 && this.parked === undefined && this.waitingForRoom === 0;
  }
}
