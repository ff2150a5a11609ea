import type { QueueLimit } from './errors.js';
import { hashKey } from './key.js';
import type { KeyHandoff } from './key-handoff.js';
import type { KeyState } from './key-state.js';
import type { QueueCounts } from './queue-counts.js';
import { TaskPhase } from './queued-task.js';
import type { ShardRouting } from './shard-routing.js';
import type { ShardState, Task } from './shard-state.js';

/** The limits admission enforces: the queue's `maxSize` and `maxShardSize`. */
export interface AdmissionLimits {
  readonly maxSize: number;
  readonly maxShardSize: number;
}

/**
 * Backpressure: whether a task has room, and for a task that waits for room
 * (`whenFull: 'wait'`), when it gets in. Waiting tasks queue per shard, in
 * order, and are let in as tasks start or leave.
 */
export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #counts: QueueCounts;
  readonly #routing: ShardRouting;
  readonly #keys: KeyHandoff | undefined;
  #admitting = false;
  #cursor = 0;

  constructor(limits: AdmissionLimits, counts: QueueCounts, routing: ShardRouting, keys: KeyHandoff | undefined) {
    this.#limits = limits;
    this.#counts = counts;
    this.#routing = routing;
    this.#keys = keys;
  }

  /** The limit a new task bound for `shard` would pass, or undefined when it has room. */
  fullLimit(shard: ShardState): QueueLimit | undefined {
    if (this.#counts.size >= this.#limits.maxSize) return 'maxSize';
    // Tasks already waiting for this shard go first: a new one queues behind them.
    if (shard.size >= this.#limits.maxShardSize || shard.waitingForRoom > 0) return 'maxShardSize';
    return undefined;
  }

  /** A task with room goes in: queued on its shard, or parked while its key moves. */
  admit(job: Task, shard: ShardState, keyState: KeyState | undefined): void {
    shard.added++;
    this.#counts.size++;
    if (keyState === undefined || this.#keys === undefined) shard.enqueue(job);
    else this.#keys.dispatch(job, shard, keyState);
  }

  /** A task without room waits for it on `shard`, behind the shard's earlier waiters. */
  waitForRoom(job: Task, shard: ShardState, keyState: KeyState | undefined): void {
    job.phase = TaskPhase.waitingForRoom;
    job.shardId = shard.id;
    shard.roomWaiters.push(job);
    shard.waitingForRoom++;
    this.#counts.waitingForRoom++;
    if (keyState !== undefined) {
      if (keyState.room === undefined) keyState.room = { shard, tasks: 1 };
      else keyState.room.tasks++;
    }
  }

  /**
   * A task waiting for room leaves without getting in (its signal aborted, or
   * the queue was cleared). It stays in `roomWaiters`, skipped when reached:
   * removal from the middle would be O(n).
   */
  leave(job: Task, shard: ShardState): void {
    shard.waitingForRoom--;
    this.#counts.waitingForRoom--;
    const keyState = this.#leaveKeyRoom(job);
    if (keyState !== undefined) this.#keys?.forgetIfIdle(keyState);
  }

  /** Lets waiting tasks in while there is room: first on `first`, then on every shard in turn. */
  admitWaiters(first?: ShardState): void {
    if (this.#counts.waitingForRoom === 0 || this.#admitting) return;
    this.#admitting = true;
    try {
      if (first !== undefined && !this.#admitFrom(first)) return;
      const shards = this.#routing.all();
      for (let i = 0; i < shards.length && this.#counts.waitingForRoom > 0; i++) {
        this.#cursor = (this.#cursor + 1) % shards.length;
        const shard = shards[this.#cursor];
        if (shard !== undefined && !this.#admitFrom(shard)) return;
      }
    } finally {
      this.#admitting = false;
    }
  }

  /** After a router change, tasks waiting for room wait for the shard they will now go to. */
  rebucket(): void {
    if (this.#counts.waitingForRoom === 0) return;
    const waiting: Task[] = [];
    for (const shard of this.#routing.all()) {
      for (const job of shard.roomWaiters.drain()) if (job.phase === TaskPhase.waitingForRoom) waiting.push(job);
      shard.waitingForRoom = 0;
    }
    // A key's waiting tasks all move together, to where its next task would go.
    const rerouted = new Map<KeyState, ShardState>();
    for (const job of waiting) {
      const keyState = this.#keys?.stateOf(job.key);
      let shard: ShardState;
      if (keyState === undefined) {
        shard = this.#routing.place(job.key, hashKey(job.key), false);
      } else {
        shard = rerouted.get(keyState) ?? this.#routing.routeBusyKey(keyState, false);
        rerouted.set(keyState, shard);
        if (keyState.room !== undefined) keyState.room.shard = shard;
      }
      job.shardId = shard.id;
      shard.roomWaiters.push(job);
      shard.waitingForRoom++;
    }
  }

  /** Admits `shard`'s waiters while there is room. False when the whole queue is full. */
  #admitFrom(shard: ShardState): boolean {
    while (shard.waitingForRoom > 0) {
      const job = shard.roomWaiters.peek();
      if (job === undefined) return true;
      if (job.phase !== TaskPhase.waitingForRoom) {
        shard.roomWaiters.shift();
        continue;
      }
      if (this.#counts.size >= this.#limits.maxSize) return false;
      if (shard.size >= this.#limits.maxShardSize) return true;
      shard.roomWaiters.shift();
      shard.waitingForRoom--;
      this.#counts.waitingForRoom--;
      this.admit(job, shard, this.#leaveKeyRoom(job));
    }
    return true;
  }

  /** Counts a task out of its key's room wait; returns the key's state (with `keyOrder: 'fifo'`). */
  #leaveKeyRoom(job: Task): KeyState | undefined {
    if (this.#keys === undefined) return undefined;
    const keyState = this.#keys.stateOf(job.key);
    const room = keyState.room;
    if (room !== undefined && --room.tasks === 0) keyState.room = undefined;
    return keyState;
  }
}
