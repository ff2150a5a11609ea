/**
 * Maps key hashes to shards. A router is an immutable value for one set of
 * shards: a resize asks the factory for a new one, and comparing the two tells
 * which keys move.
 */
export interface ShardRouter {
  /** The algorithm, for stats and displays: `'rendezvous'`, `'jump'`, `'bounded-load'`, or a custom name. */
  readonly kind: string;
  /** The shards this router spreads keys over, in the order they were added. */
  readonly shardIds: readonly number[];
  /** The shard for a key hash, ignoring load. Must be a pure function of `hash` and `shardIds`. */
  route(hash: number): number;
  /**
   * Whether the router places keys by the shards' current load (`place`). A
   * load-aware router lets a key that has work in flight stay where it is;
   * only a key with nothing in flight is placed again.
   */
  readonly loadAware: boolean;
  /**
   * The shard for a key hash given the current loads: `loadOf(id)` is a
   * shard's tasks (waiting and running), `totalLoad` their sum over
   * `shardIds`. Only called when `loadAware` is true.
   */
  place?(hash: number, loadOf: (shardId: number) => number, totalLoad: number): number;
  /** Whether this shard may leave the set. Jump hashing can only shrink from the end. */
  canRemove(shardId: number): boolean;
  /** The points of a hash ring, for routers that have one: each point's position on the ring and its shard, in ring order. */
  ring?(): readonly RingPoint[];
}

/** One point on a hash ring. */
export interface RingPoint {
  /** Where the point sits on the ring, in [0, 2³²). */
  readonly position: number;
  readonly shardId: number;
}

/** Makes routers; pass one as the `router` option. */
export interface ShardRouterFactory {
  readonly kind: string;
  /** A router over `shardIds` (never empty, in the order the shards were added). */
  create(shardIds: readonly number[]): ShardRouter;
}
