import type { LazyEmitters } from '@palisade/core/internal';
import type { QueueEvents } from './events.js';
import type { QueueKey } from './key.js';
import { KeyState, type MovingRoute, settledOn } from './key-state.js';
import { TaskPhase } from './queued-task.js';
import type { ShardRouting } from './shard-routing.js';
import type { ShardState, Task } from './shard-state.js';

/**
 * The busy keys of a queue with `keyOrder: 'fifo'`, and how each changes
 * shards without breaking its order: the drain-then-move handoff. When a
 * key's route changes while it has tasks queued or running, its new tasks
 * park, bound for the new shard, and are released there in order once the
 * last of its tasks on the old shard has settled.
 */
export class KeyHandoff {
  readonly #keys = new Map<QueueKey, KeyState>();
  readonly #routing: ShardRouting;
  readonly #events: LazyEmitters<QueueEvents>;
  #moving = 0;
  #handoffs = 0;

  constructor(routing: ShardRouting, events: LazyEmitters<QueueEvents>) {
    this.#routing = routing;
    this.#events = events;
  }

  /** Keys whose tasks are parked right now, waiting to move. */
  get movingKeys(): number {
    return this.#moving;
  }

  /** Handoffs completed: a running count. */
  get handoffs(): number {
    return this.#handoffs;
  }

  get(key: QueueKey): KeyState | undefined {
    return this.#keys.get(key);
  }

  /** The state of a key that has a task waiting or running, which it always has while that task is. */
  stateOf(key: QueueKey): KeyState {
    const keyState = this.#keys.get(key);
    if (keyState === undefined) throw new Error(`The queue lost track of key ${String(key)} while it had tasks.`);
    return keyState;
  }

  /** Starts tracking a key whose first task goes to `shard`. */
  track(key: QueueKey, hash: number, shard: ShardState): KeyState {
    const keyState = new KeyState(key, hash, shard, this.#routing.epoch);
    this.#keys.set(key, keyState);
    return keyState;
  }

  busyKeys(): IterableIterator<KeyState> {
    return this.#keys.values();
  }

  /** Stops tracking a key once nothing of it waits or runs. */
  forgetIfIdle(keyState: KeyState): void {
    if (keyState.isIdle) this.#keys.delete(keyState.key);
  }

  /** A task with room goes to `shard` behind its key's earlier tasks, or parks while the key is still draining elsewhere. */
  dispatch(job: Task, shard: ShardState, keyState: KeyState): void {
    const route = keyState.route;
    if (route.kind === 'moving') {
      park(job, route);
      return;
    }
    if (keyState.inFlight > 0 && route.shard !== shard) {
      const moving: MovingRoute = { kind: 'moving', from: route.shard, to: shard, parked: [] };
      keyState.route = moving;
      this.#moving++;
      park(job, moving);
      return;
    }
    if (keyState.inFlight === 0) {
      if (route.shard !== shard) keyState.route = settledOn(shard);
      keyState.routedAt = this.#routing.epoch;
    }
    keyState.inFlight++;
    shard.enqueue(job);
  }

  /** A task of the key left its shard (it settled, or was removed before it started). */
  left(key: QueueKey): void {
    const keyState = this.stateOf(key);
    keyState.inFlight--;
    if (keyState.inFlight > 0) return;
    if (keyState.route.kind === 'moving') this.#complete(keyState, keyState.route);
    else this.forgetIfIdle(keyState);
  }

  /** Takes a parked task out (its signal aborted, or the queue was cleared). False if it is not parked. */
  unpark(job: Task): boolean {
    const keyState = this.stateOf(job.key);
    const route = keyState.route;
    const index = route.kind === 'moving' ? route.parked.indexOf(job) : -1;
    if (route.kind !== 'moving' || index === -1) return false;
    route.parked.splice(index, 1);
    route.to.parked--;
    if (route.parked.length === 0) {
      keyState.route = settledOn(route.from);
      this.#moving--;
    }
    return true;
  }

  /** Every parked task, first key to last, each key's in order. */
  parkedTasks(): Task[] {
    const parked: Task[] = [];
    for (const keyState of this.#keys.values()) {
      if (keyState.route.kind === 'moving') parked.push(...keyState.route.parked);
    }
    return parked;
  }

  /** Parked tasks bound for a removed shard are bound for the key's new route instead. */
  retarget(removedShardId: number): void {
    for (const keyState of this.#keys.values()) {
      const route = keyState.route;
      if (route.kind !== 'moving' || route.to.id !== removedShardId) continue;
      const next = this.#routing.place(keyState.key, keyState.hash, true);
      route.to.parked -= route.parked.length;
      next.parked += route.parked.length;
      keyState.route = { kind: 'moving', from: route.from, to: next, parked: route.parked };
      for (const job of route.parked) job.shardId = next.id;
    }
  }

  /** The key drained from its old shard: its parked tasks go to the new one, in order. */
  #complete(keyState: KeyState, route: MovingRoute): void {
    const parked = route.parked;
    let target = route.to;
    this.#moving--;
    if (target.retiring) {
      target.parked -= parked.length;
      target = this.#routing.place(keyState.key, keyState.hash, true);
      target.parked += parked.length;
    }
    keyState.route = settledOn(target);
    keyState.routedAt = this.#routing.epoch;
    keyState.inFlight += parked.length;
    target.parked -= parked.length;
    for (const job of parked) target.enqueue(job);
    this.#handoffs++;
    if (this.#events.heard('handoff')) {
      this.#events.emit('handoff', {
        key: keyState.key,
        fromShardId: route.from.id,
        toShardId: target.id,
        tasks: parked.length,
      });
    }
  }
}

function park(job: Task, route: MovingRoute): void {
  job.phase = TaskPhase.parked;
  job.shardId = route.to.id;
  route.to.parked++;
  route.parked.push(job);
}
