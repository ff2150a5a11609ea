import { InvalidOptionError } from '@palisade/core';
import type { LazyEmitters } from '@palisade/core/internal';
import type { QueueEvents } from './events.js';
import type { QueueKey } from './key.js';
import type { KeyState } from './key-state.js';
import type { ShardRouter, ShardRouterFactory } from './shard-router.js';
import type { ShardState, Task } from './shard-state.js';

/**
 * Which shard a task goes to. It holds the shards (the active ones in router
 * order, and the retiring ones until they have drained), the current router,
 * and its epoch, which a resize bumps. A key with nothing in flight is placed
 * by the router; a busy key keeps its route while the router agrees, so that
 * its order holds (see `KeyHandoff` for what happens when it does not).
 */
export class ShardRouting {
  readonly #factory: ShardRouterFactory;
  readonly #events: LazyEmitters<QueueEvents>;
  #router: ShardRouter;
  /** Bumped on every router change; a key's confirmed route is valid for one epoch. */
  #epoch = 0;
  /** Active shards, in router order. Replaced, never changed in place, so a caller may keep it. */
  #active: readonly ShardState[];
  /** Active and retiring shards, by id. */
  readonly #byId: (ShardState | undefined)[] = [];
  #spills = 0;

  constructor(factory: ShardRouterFactory, shards: readonly ShardState[], events: LazyEmitters<QueueEvents>) {
    this.#factory = factory;
    this.#events = events;
    for (const shard of shards) this.#byId[shard.id] = shard;
    this.#active = shards;
    this.#router = this.#createRouter();
  }

  get router(): ShardRouter {
    return this.#router;
  }

  get epoch(): number {
    return this.#epoch;
  }

  get active(): readonly ShardState[] {
    return this.#active;
  }

  /** Times the router placed a key past its first choice: a running count. */
  get spills(): number {
    return this.#spills;
  }

  /** Active and retiring shards, in id order. */
  all(): ShardState[] {
    return this.#byId.filter((shard): shard is ShardState => shard !== undefined);
  }

  /** The smallest id no active or retiring shard has. */
  freeId(): number {
    let id = 0;
    while (this.#byId[id] !== undefined) id++;
    return id;
  }

  /** An active or retiring shard, if `id` names one. */
  shard(id: unknown): ShardState | undefined {
    return typeof id === 'number' ? this.#byId[id] : undefined;
  }

  /** The shard a task waits for, is queued on, or runs on. */
  shardOf(job: Task): ShardState {
    const shard = this.#byId[job.shardId];
    if (shard === undefined) throw new Error(`A queued task refers to shard ${job.shardId}, which has closed.`);
    return shard;
  }

  /** Where a key with no tasks anywhere goes. Counts and reports spills when `record` is set. */
  place(key: QueueKey, hash: number, record: boolean): ShardState {
    const router = this.#router;
    if (!router.loadAware || router.place === undefined) return this.#routed(router.route(hash));
    const id = router.place(hash, this.#loadOf, this.#activeLoad());
    if (record) {
      const preferred = router.route(hash);
      if (preferred !== id) {
        this.#spills++;
        if (this.#events.heard('spill')) this.#events.emit('spill', { key, preferredShardId: preferred, shardId: id });
      }
    }
    return this.#routed(id);
  }

  /** Where the next task of a key that has tasks somewhere goes, keeping its order. */
  destinationOf(keyState: KeyState, record: boolean): ShardState {
    if (keyState.room !== undefined) return keyState.room.shard;
    return this.routeBusyKey(keyState, record);
  }

  /** Like `destinationOf`, for a task that is itself first in line. */
  routeBusyKey(keyState: KeyState, record: boolean): ShardState {
    const route = keyState.route;
    if (route.kind === 'moving') return route.to;
    if (keyState.inFlight > 0 && this.stillRoutes(keyState, route.shard)) return route.shard;
    // Nothing in flight, or the key's shard left the router or a resize
    // changed its route: it is placed afresh (and moves, if it has tasks in flight).
    return this.place(keyState.key, keyState.hash, record);
  }

  /** Whether the router still sends a busy key to `shard`, where its tasks are. */
  stillRoutes(keyState: KeyState, shard: ShardState): boolean {
    if (shard.retiring) return false;
    // A load-aware router never moves a key with tasks in flight: spilling
    // then would break the key's order.
    if (keyState.routedAt === this.#epoch || this.#router.loadAware) return true;
    if (this.#router.route(keyState.hash) !== shard.id) return false;
    keyState.routedAt = this.#epoch;
    return true;
  }

  /** Adds a shard to the router. Returns the router before the change. */
  add(shard: ShardState): ShardRouter {
    this.#byId[shard.id] = shard;
    this.#active = [...this.#active, shard];
    return this.#changeRouter();
  }

  /** Takes a shard out of the router; it stays known by id until it retires. Returns the router before the change. */
  remove(shard: ShardState): ShardRouter {
    this.#active = this.#active.filter((active) => active !== shard);
    return this.#changeRouter();
  }

  /** Closes a removed shard once nothing waits or runs there. */
  retireIfEmpty(shard: ShardState): void {
    const retirement = shard.retirement;
    if (retirement === undefined || shard.load > 0 || shard.waitingForRoom > 0) return;
    if (this.#byId[shard.id] !== shard) return;
    this.#byId[shard.id] = undefined;
    void shard.backend.close().then(retirement.resolve);
  }

  /** Max over mean of the active shards' load; 1 when the queue is empty. */
  imbalance(): number {
    let total = 0;
    let max = 0;
    for (const shard of this.#active) {
      const load = shard.load;
      total += load;
      if (load > max) max = load;
    }
    return total === 0 ? 1 : max / (total / this.#active.length);
  }

  #changeRouter(): ShardRouter {
    const previous = this.#router;
    this.#router = this.#createRouter();
    this.#epoch++;
    return previous;
  }

  #createRouter(): ShardRouter {
    const router = this.#factory.create(this.#active.map((shard) => shard.id));
    if (router === null || typeof router !== 'object' || typeof router.route !== 'function') {
      throw new InvalidOptionError('router', 'a ShardRouterFactory whose create() returns a ShardRouter', router);
    }
    return router;
  }

  /** The active shard a router chose. */
  #routed(id: number): ShardState {
    const shard = this.#byId[id];
    if (shard === undefined) {
      throw new InvalidOptionError(
        'router',
        `a ShardRouter that routes to one of its shardIds (${this.#router.shardIds.join(', ')})`,
        id,
      );
    }
    return shard;
  }

  readonly #loadOf = (shardId: number): number => this.#byId[shardId]?.load ?? 0;

  #activeLoad(): number {
    let load = 0;
    for (const shard of this.#active) load += shard.load;
    return load;
  }
}
