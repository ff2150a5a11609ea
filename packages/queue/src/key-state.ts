import type { QueueKey } from './key.js';
import type { ShardState, Task } from './shard-state.js';

/** The key's queued and running tasks are on `shard`, and its new tasks go there while the router agrees. */
export interface SettledRoute {
  readonly kind: 'settled';
  readonly shard: ShardState;
}

/**
 * The key is changing shards (the drain-then-move handoff): its tasks on
 * `from` finish there first, and its new tasks wait in `parked`, bound for
 * `to`, until the last of them has settled.
 */
export interface MovingRoute {
  readonly kind: 'moving';
  readonly from: ShardState;
  readonly to: ShardState;
  readonly parked: Task[];
}

/** Where a busy key's tasks are, and where its next one goes. */
export type KeyRoute = SettledRoute | MovingRoute;

/** Tasks of one key waiting for room (`whenFull: 'wait'`), all in `shard.roomWaiters`. */
export interface RoomWait {
  shard: ShardState;
  tasks: number;
}

export function settledOn(shard: ShardState): SettledRoute {
  return { kind: 'settled', shard };
}

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
  route: KeyRoute;
  /** Tasks of the key queued or running on the route's shard (`from`, while it moves). */
  inFlight = 0;
  /** The router epoch at which the settled route was last confirmed as the router's choice. */
  routedAt: number;
  /** Its tasks waiting for room, if any: its next tasks wait behind them. */
  room: RoomWait | undefined = undefined;

  constructor(key: QueueKey, hash: number, shard: ShardState, epoch: number) {
    this.key = key;
    this.hash = hash;
    this.route = settledOn(shard);
    this.routedAt = epoch;
  }

  get isIdle(): boolean {
    return this.inFlight === 0 && this.route.kind === 'settled' && this.room === undefined;
  }
}
