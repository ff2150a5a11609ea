import {
  type Clock,
  cancellationError,
  DeadlineExceededError,
  type Event,
  InvalidArgumentError,
  InvalidOptionError,
  isAbortSignal,
  onAbort,
  type TimerHandle,
} from '@palisade/core';
import { isThenable, LazyEmitters, NEVER_ABORTED_SIGNAL, oneOfOption, optionsObject } from '@palisade/core/internal';
import { ConditionWatch, type QueueCondition, type SizeCondition, SizeWatch } from './condition.js';
import { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
import type { HandoffEvent, ResizeEvent, SpillEvent } from './events.js';
import { checkKey, hashKey, type QueueKey } from './key.js';
import { KeyState } from './key-state.js';
import { fmix32 } from './murmur3.js';
import {
  type AddOptions,
  checkTimeout,
  MAX_SHARDS,
  type QueueConfig,
  resolveOptions,
  type ShardedQueueOptions,
  type WhenFull,
} from './options.js';
import { QueuedTask, type QueueTask, type TaskExtras, TaskPhase } from './queued-task.js';
import type { ShardRouter } from './shard-router.js';
import { ShardState, type Task } from './shard-state.js';
import type { QueueStats, ShardStats } from './stats.js';
import { ThroughputMeter } from './throughput.js';

/** How many sample keys a resize routes, before and after, to estimate the fraction of keys that moved. */
const RESIZE_SAMPLE = 4096;

/**
 * A queue that spreads work over shards by key. Each key is routed to one
 * shard (rendezvous hashing by default); within a shard, the tasks of a key
 * run in the order they were added, one at a time by default, and keys take
 * turns so a busy key cannot starve the rest. Shards can be added and removed
 * while work flows: only the keys whose route changes move, and a moving key
 * finishes its tasks on the old shard before any of its new tasks start on
 * the new one.
 *
 * Every shard runs on the configured backend (p-queue, in process, by
 * default), with its own concurrency, rate limit and timeout.
 */
export class ShardedQueue<Key = QueueKey> {
  readonly #config: QueueConfig;
  readonly #clock: Clock;
  readonly #keyOf: ((key: Key) => QueueKey) | undefined;
  #router: ShardRouter;
  /** Bumped on every router change; a key's cached route is valid for one epoch. */
  #epoch = 0;
  /** Active shards, in router order. */
  #active: ShardState[] = [];
  /** Active and retiring shards, by id. */
  readonly #byId: (ShardState | undefined)[] = [];
  readonly #keys = new Map<QueueKey, KeyState>();
  #size = 0;
  #pending = 0;
  #waitingForRoom = 0;
  #spills = 0;
  #handoffs = 0;
  /**
   * Running totals since the queue was created. Kept here, not summed over the
   * shards, so that they never go down when a removed shard disappears.
   */
  #completed = 0;
  #failed = 0;
  readonly #meter: ThroughputMeter;
  /** Keys with parked tasks, waiting to move. */
  #movingKeys = 0;
  #lastResize: ResizeEvent | undefined;
  #admitting = false;
  #admitCursor = 0;
  #closing: { drain: boolean; readonly promise: Promise<void> } | undefined;

  readonly #idle = new ConditionWatch(() => this.#size === 0 && this.#pending === 0 && this.#waitingForRoom === 0);
  readonly #drained = new ConditionWatch(() => this.#size === 0 && this.#waitingForRoom === 0);
  readonly #sizeWatch = new SizeWatch(() => this.#size);
  readonly #events = new LazyEmitters<{ resize: ResizeEvent; spill: SpillEvent; handoff: HandoffEvent }>();

  /**
   * Nothing waits and nothing runs. With a listener: called each time the
   * queue becomes idle; returns a disposable. Without: a promise that
   * resolves when the queue is idle (at once if it is).
   */
  readonly onIdle: QueueCondition = this.#idle.condition;
  /**
   * Nothing waits to start, though tasks may still run (BullMQ's "drained",
   * p-queue's `onEmpty`). Same two forms as `onIdle`.
   */
  readonly onDrained: QueueCondition = this.#drained.condition;
  /**
   * Fewer than `limit` tasks wait to start (`size < limit`), as p-queue's
   * `onSizeLessThan`. With a listener: called each time the size drops below
   * `limit`. Without: a promise, resolved at once if it already is.
   */
  readonly onSizeLessThan: SizeCondition = this.#sizeWatch.condition;

  /** A shard was added or removed. */
  get onResize(): Event<ResizeEvent> {
    return this.#events.on('resize');
  }

  /** The bounded-load router placed a key past its first choice. */
  get onSpill(): Event<SpillEvent> {
    return this.#events.on('spill');
  }

  /** A moving key drained from its old shard; its parked tasks went to the new one. */
  get onHandoff(): Event<HandoffEvent> {
    return this.#events.on('handoff');
  }

  constructor(
    ...[options]: [Key] extends [QueueKey] ? [options?: ShardedQueueOptions<Key>] : [options: ShardedQueueOptions<Key>]
  ) {
    this.#config = resolveOptions(options as ShardedQueueOptions<unknown> | undefined);
    this.#clock = this.#config.clock;
    this.#keyOf = this.#config.keyOf as ((key: Key) => QueueKey) | undefined;
    this.#meter = new ThroughputMeter(this.#config.throughputWindow, this.#clock.now());
    for (let id = 0; id < this.#config.shards; id++) this.#active.push(this.#createShard(id));
    this.#router = this.#createRouter(this.#active.map((shard) => shard.id));
  }

  /** Tasks waiting to start, over all shards (queued, or parked for a moving key). Bounded by `maxSize`. */
  get size(): number {
    return this.#size;
  }

  /** Tasks running. */
  get pending(): number {
    return this.#pending;
  }

  /** Tasks waiting for room (`whenFull: 'wait'`), not yet counted in `size`. */
  get waitingForRoom(): number {
    return this.#waitingForRoom;
  }

  /** The active shards' ids, in the order they were added. */
  get shardIds(): readonly number[] {
    return this.#router.shardIds;
  }

  /** The current router: which shard each key maps to, and the ring for ring routers. */
  get router(): ShardRouter {
    return this.#router;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Adds a task for `key` and returns a promise of its result. The task
   * starts once its shard has a free slot, the key's earlier tasks have
   * started (`keyOrder: 'fifo'`), and the rate limit allows.
   *
   * Throws at once (bad input): `InvalidArgumentError` for a key that is not a
   * string or number (without `keyOf`) or a task that is not a function;
   * `InvalidOptionError` for bad options. Rejects: `QueueFullError`
   * (`whenFull: 'reject'`), `QueueClosedError`, `QueueClearedError`, the
   * signal's cancellation error, `DeadlineExceededError` (timeout), or the
   * task's own error.
   */
  add<T>(key: Key, task: QueueTask<T>, options?: AddOptions): Promise<T> {
    const routingKey = this.#routingKey(key);
    if (typeof task !== 'function') throw new InvalidArgumentError('task', 'a function', task);
    let priority = 0;
    let whenFull: WhenFull = this.#config.whenFull;
    let extras: TaskExtras | undefined;
    if (options !== undefined) {
      const given = optionsObject('options', options);
      if (given.priority !== undefined) {
        if (typeof given.priority !== 'number' || Number.isNaN(given.priority)) {
          throw new InvalidOptionError('priority', 'a number other than NaN', given.priority);
        }
        priority = given.priority;
      }
      if (given.whenFull !== undefined) whenFull = oneOfOption('whenFull', given.whenFull, ['reject', 'wait']);
      const { signal } = given;
      if (signal !== undefined && !isAbortSignal(signal)) {
        throw new InvalidOptionError('signal', 'an AbortSignal', signal);
      }
      const timeout = given.timeout === undefined ? undefined : checkTimeout('timeout', given.timeout);
      if (signal !== undefined || timeout !== undefined) {
        extras = { signal, timeout, stopListening: undefined, abandon: undefined };
      }
    }
    if (this.#closing !== undefined) return Promise.reject(new QueueClosedError());
    const signal = extras?.signal;
    if (signal?.aborted) return Promise.reject(cancellationError(signal));

    const keyState = this.#config.orderedKeys ? this.#keys.get(routingKey) : undefined;
    const hash = keyState === undefined ? hashKey(routingKey) : keyState.hash;
    const destination =
      keyState === undefined ? this.#place(routingKey, hash, true) : this.#destinationOf(keyState, true);
    const full = this.#fullLimit(destination);
    if (full !== undefined && whenFull === 'reject') {
      return Promise.reject(new QueueFullError(full, this.#config[full], destination.id));
    }
    const job = new QueuedTask<T>(routingKey, priority, task, extras) as unknown as Task;
    const tracked = keyState ?? this.#trackKey(routingKey, hash, destination);
    if (full !== undefined) this.#waitForRoom(job, destination, tracked);
    else this.#dispatch(job, destination, tracked);
    this.#idle.end();
    this.#drained.end();
    if (this.#sizeWatch.watched) this.#sizeWatch.update();
    if (signal !== undefined && extras !== undefined) {
      extras.stopListening = onAbort(signal, () => this.#onAbort(job, signal)).dispose;
    }
    return job as unknown as Promise<T>;
  }

  /**
   * The shard a new task of `key` would go to now: the key's current shard
   * while it has tasks there, its new shard while it moves, else the router's
   * choice (by load, for the bounded-load router).
   */
  shardFor(key: Key): number {
    const routingKey = this.#routingKey(key);
    const keyState = this.#config.orderedKeys ? this.#keys.get(routingKey) : undefined;
    const shard =
      keyState === undefined
        ? this.#place(routingKey, hashKey(routingKey), false)
        : this.#destinationOf(keyState, false);
    return shard.id;
  }

  /**
   * Adds a shard, which takes over about 1/(n+1) of the keys (all of them,
   * with the bounded-load router, only as keys are placed again). Keys that
   * move and have tasks in flight finish those on their old shard first.
   * Returns the new shard's id: the smallest id not in use.
   */
  addShard(): number {
    this.#throwIfClosed();
    if (this.#active.length + this.#retiringCount() >= MAX_SHARDS) {
      throw new InvalidArgumentError('shards', `at most ${MAX_SHARDS} shards, retiring ones included`, MAX_SHARDS + 1);
    }
    let id = 0;
    while (this.#byId[id] !== undefined) id++;
    const shard = this.#createShard(id);
    this.#active = [...this.#active, shard];
    this.#changeRouter('added', id);
    return id;
  }

  /**
   * Removes a shard. It takes no new keys at once; its keys move to the other
   * shards, each as soon as its tasks on this shard have finished (new tasks
   * of a moving key wait, parked, until then). Resolves when the shard has
   * drained and closed. The jump router can only remove the last shard added.
   */
  removeShard(shardId: number): Promise<void> {
    this.#throwIfClosed();
    const shard = typeof shardId === 'number' ? this.#byId[shardId] : undefined;
    if (shard === undefined || shard.retiring) {
      throw new InvalidArgumentError('shardId', `the id of an active shard (${this.shardIds.join(', ')})`, shardId);
    }
    if (this.#active.length === 1) {
      throw new InvalidArgumentError('shardId', 'a shard other than the only one: a queue needs at least one', shardId);
    }
    if (!this.#router.canRemove(shardId)) {
      throw new InvalidArgumentError(
        'shardId',
        `a shard the ${this.#router.kind} router can remove (it removes only shard ${this.shardIds.at(-1)}, the last added)`,
        shardId,
      );
    }
    let resolve = (): void => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    shard.retirement = { promise, resolve };
    this.#active = this.#active.filter((active) => active !== shard);
    this.#changeRouter('removed', shardId);
    this.#retireIfEmpty(shard);
    return promise;
  }

  /**
   * Adds or removes shards until there are `count`: new shards take the
   * smallest free ids, and the most recently added shards go first. Resolves
   * when the removed shards have drained.
   */
  resize(count: number): Promise<void> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
      throw new InvalidArgumentError('count', `an integer in [1, ${MAX_SHARDS}]`, count);
    }
    this.#throwIfClosed();
    while (this.#active.length < count) this.addShard();
    const removals: Promise<void>[] = [];
    while (this.#active.length > count) {
      removals.push(this.removeShard((this.#active.at(-1) as ShardState).id));
    }
    return Promise.all(removals).then(() => undefined);
  }

  /**
   * Removes every task that has not started, each promise rejecting with
   * `QueueClearedError` (marked handled, so a forgotten promise does not
   * crash the process). Running tasks go on. Returns how many were removed.
   */
  clear(): number {
    return this.#removeWaiting(new QueueClearedError());
  }

  /**
   * Closes the queue: `add` rejects with `QueueClosedError` from now on.
   * Without `drain`, tasks that have not started reject with
   * `QueueClosedError` (marked handled); with `drain: true`, they run. Resolves
   * once nothing runs and every shard's backend has closed. A second call
   * returns the same promise (and `drain: false` then stops the draining).
   */
  close(options?: { readonly drain?: boolean }): Promise<void> {
    const drain = optionsObject('options', options).drain ?? false;
    if (typeof drain !== 'boolean') throw new InvalidOptionError('drain', 'true or false', drain);
    if (this.#closing !== undefined) {
      if (this.#closing.drain && !drain) {
        this.#closing.drain = false;
        this.#removeWaiting(new QueueClosedError());
      }
      return this.#closing.promise;
    }
    const promise = (async () => {
      await this.onIdle();
      await Promise.all(this.#allShards().map((shard) => shard.backend.close()));
    })();
    this.#closing = { drain, promise };
    if (!drain) this.#removeWaiting(new QueueClosedError());
    return promise;
  }

  /** A snapshot for dashboards and the sandbox: O(shards), no per-task work. */
  stats(): QueueStats {
    const now = this.#clock.now();
    const shards: ShardStats[] = [];
    for (const shard of [...this.#active, ...this.#allShards().filter((s) => s.retiring)]) {
      const rate = shard.meter.read(now, shard.completed + shard.failed);
      shards.push({
        id: shard.id,
        size: shard.size,
        queued: shard.queued,
        parked: shard.parked,
        pending: shard.running,
        waitingForRoom: shard.waitingForRoom,
        added: shard.added,
        completed: shard.completed,
        failed: shard.failed,
        throughput: rate,
        retiring: shard.retiring,
      });
    }
    return {
      at: now,
      router: this.#router.kind,
      backend: this.#config.backend.name,
      shards,
      size: this.#size,
      pending: this.#pending,
      waitingForRoom: this.#waitingForRoom,
      completed: this.#completed,
      failed: this.#failed,
      throughput: this.#meter.read(now, this.#completed + this.#failed),
      imbalance: this.#imbalance(),
      spills: this.#spills,
      movingKeys: this.#movingKeys,
      handoffs: this.#handoffs,
      lastResize: this.#lastResize,
    };
  }

  // ---- routing ------------------------------------------------------------

  #routingKey(key: Key): QueueKey {
    if (this.#keyOf === undefined) return checkKey(key);
    return checkKey(this.#keyOf(key), 'keyOf(key)');
  }

  /** Where a key with no tasks anywhere goes. Counts and reports spills when `record` is set. */
  #place(key: QueueKey, hash: number, record: boolean): ShardState {
    const router = this.#router;
    if (!router.loadAware || router.place === undefined) return this.#byId[router.route(hash)] as ShardState;
    const id = router.place(hash, this.#loadOf, this.#activeLoad());
    if (record) {
      const preferred = router.route(hash);
      if (preferred !== id) {
        this.#spills++;
        if (this.#events.heard('spill')) this.#events.emit('spill', { key, preferredShardId: preferred, shardId: id });
      }
    }
    return this.#byId[id] as ShardState;
  }

  readonly #loadOf = (shardId: number): number => (this.#byId[shardId] as ShardState).load;

  #activeLoad(): number {
    let load = 0;
    for (const shard of this.#active) load += shard.load;
    return load;
  }

  /** Where the next task of a key that has tasks somewhere goes, keeping its order. */
  #destinationOf(keyState: KeyState, record: boolean): ShardState {
    if (keyState.waitingForRoom > 0) return keyState.roomShard as ShardState;
    return this.#routeBusyKey(keyState, record);
  }

  /** Like `#destinationOf`, for a task that is itself first in line. */
  #routeBusyKey(keyState: KeyState, record: boolean): ShardState {
    if (keyState.parked !== undefined) return keyState.movingTo as ShardState;
    if (keyState.inFlight === 0) return this.#place(keyState.key, keyState.hash, record);
    if (this.#stillRoutes(keyState)) return keyState.shard;
    // The key's shard left the router, or a resize changed its route: it
    // moves, and this task is the first to wait for the handoff.
    return this.#place(keyState.key, keyState.hash, record);
  }

  #stillRoutes(keyState: KeyState): boolean {
    const shard = keyState.shard;
    if (shard.retiring) return false;
    // A load-aware router never moves a key with tasks in flight: spilling
    // then would break the key's order.
    if (keyState.routedAt === this.#epoch || this.#router.loadAware) return true;
    if (this.#router.route(keyState.hash) !== shard.id) return false;
    keyState.routedAt = this.#epoch;
    return true;
  }

  // ---- admission ----------------------------------------------------------

  #fullLimit(shard: ShardState): 'maxSize' | 'maxShardSize' | undefined {
    if (this.#size >= this.#config.maxSize) return 'maxSize';
    // Tasks already waiting for this shard go first: a new one queues behind them.
    if (shard.size >= this.#config.maxShardSize || shard.waitingForRoom > 0) return 'maxShardSize';
    return undefined;
  }

  #waitForRoom(job: Task, shard: ShardState, keyState: KeyState | undefined): void {
    job.phase = TaskPhase.waitingForRoom;
    job.shardId = shard.id;
    shard.roomWaiters.push(job);
    shard.waitingForRoom++;
    this.#waitingForRoom++;
    if (keyState !== undefined) {
      keyState.waitingForRoom++;
      keyState.roomShard = shard;
    }
  }

  /** Starts tracking a key with `keyOrder: 'fifo'`; undefined (nothing to track) otherwise. */
  #trackKey(key: QueueKey, hash: number, shard: ShardState): KeyState | undefined {
    if (!this.#config.orderedKeys) return undefined;
    const keyState = new KeyState(key, hash, shard, this.#epoch);
    this.#keys.set(key, keyState);
    return keyState;
  }

  /** A task with room goes to its shard, or parks there if its key is still draining elsewhere. */
  #dispatch(job: Task, shard: ShardState, keyState: KeyState | undefined): void {
    shard.added++;
    this.#size++;
    if (keyState === undefined) {
      this.#enqueue(job, shard);
      return;
    }
    if (keyState.parked !== undefined) {
      this.#park(job, keyState);
      return;
    }
    if (keyState.inFlight > 0 && keyState.shard !== shard) {
      keyState.parked = [];
      keyState.movingTo = shard;
      this.#movingKeys++;
      this.#park(job, keyState);
      return;
    }
    if (keyState.inFlight === 0) {
      keyState.shard = shard;
      keyState.routedAt = this.#epoch;
    }
    keyState.inFlight++;
    this.#enqueue(job, shard);
  }

  #park(job: Task, keyState: KeyState): void {
    const shard = keyState.movingTo as ShardState;
    job.phase = TaskPhase.parked;
    job.shardId = shard.id;
    shard.parked++;
    keyState.parked?.push(job);
  }

  #enqueue(job: Task, shard: ShardState): void {
    job.phase = TaskPhase.queued;
    job.shardId = shard.id;
    shard.queued++;
    shard.backend.enqueue(job);
  }

  /** Lets waiting tasks in while there is room: first on `first`, then on every shard in turn. */
  #admitWaiters(first?: ShardState): void {
    if (this.#waitingForRoom === 0 || this.#admitting) return;
    this.#admitting = true;
    try {
      if (first !== undefined && !this.#admitFrom(first)) return;
      const shards = this.#allShards();
      for (let i = 0; i < shards.length && this.#waitingForRoom > 0; i++) {
        this.#admitCursor = (this.#admitCursor + 1) % shards.length;
        if (!this.#admitFrom(shards[this.#admitCursor] as ShardState)) return;
      }
    } finally {
      this.#admitting = false;
    }
  }

  /** Admits `shard`'s waiters while there is room. False when the whole queue is full. */
  #admitFrom(shard: ShardState): boolean {
    while (shard.waitingForRoom > 0) {
      const job = shard.roomWaiters.peek() as Task;
      if (job.phase !== TaskPhase.waitingForRoom) {
        shard.roomWaiters.shift();
        continue;
      }
      if (this.#size >= this.#config.maxSize) return false;
      if (shard.size >= this.#config.maxShardSize) return true;
      shard.roomWaiters.shift();
      shard.waitingForRoom--;
      this.#waitingForRoom--;
      let keyState: KeyState | undefined;
      if (this.#config.orderedKeys) {
        keyState = this.#keys.get(job.key) as KeyState;
        keyState.waitingForRoom--;
      }
      this.#dispatch(job, shard, keyState);
    }
    return true;
  }

  // ---- execution ----------------------------------------------------------

  /** The backend's `execute`: runs a task and settles its promise. */
  readonly #execute = (job: Task): undefined | Promise<void> => {
    if (job.phase !== TaskPhase.queued) return undefined;
    const shard = this.#shardOf(job);
    job.phase = TaskPhase.running;
    shard.queued--;
    shard.running++;
    this.#size--;
    this.#pending++;
    this.#afterSizeDecrease(shard);
    const task = job.takeTask() as QueueTask<unknown>;
    const extras = job.extras;
    const timeout = extras?.timeout ?? this.#config.timeout;
    if (extras !== undefined || timeout !== Number.POSITIVE_INFINITY) {
      return this.#runGuarded(job, task, shard, timeout);
    }
    let result: unknown;
    let isAsync: boolean;
    try {
      result = task({ signal: NEVER_ABORTED_SIGNAL, key: job.key, shardId: shard.id });
      isAsync = isThenable(result);
    } catch (error) {
      this.#finish(job, false, error);
      return undefined;
    }
    if (!isAsync) {
      this.#finish(job, true, result);
      return undefined;
    }
    return Promise.resolve(result).then(
      (value) => this.#finish(job, true, value),
      (error: unknown) => this.#finish(job, false, error),
    );
  };

  /** Runs a task with a signal or a timeout: it settles (and frees its slot) at the first of the task, the timeout, or the abort. */
  #runGuarded(job: Task, task: QueueTask<unknown>, shard: ShardState, timeout: number): Promise<void> {
    const extras = job.extras;
    const signal = extras?.signal;
    return new Promise<void>((release) => {
      let timer: TimerHandle | undefined;
      let controller: AbortController | undefined;
      const end = (fulfilled: boolean, value: unknown): void => {
        if (timer !== undefined) {
          this.#clock.clearTimeout(timer);
          timer = undefined;
        }
        this.#finish(job, fulfilled, value);
        release();
      };
      let taskSignal = signal ?? NEVER_ABORTED_SIGNAL;
      if (timeout !== Number.POSITIVE_INFINITY) {
        const timeoutController = new AbortController();
        controller = timeoutController;
        taskSignal = timeoutController.signal;
        timer = this.#clock.setTimeout(() => {
          timer = undefined;
          const error = new DeadlineExceededError(
            timeout,
            `The task ran for its timeout of ${timeout} ms; it was abandoned and its signal aborted.`,
          );
          timeoutController.abort(error);
          end(false, error);
        }, timeout);
      }
      if (extras !== undefined) {
        // The task's own signal aborting while it runs: abandon it (as p-queue does).
        extras.abandon = (error: unknown) => {
          controller?.abort(signal?.reason);
          end(false, error);
        };
      }
      let result: unknown;
      let isAsync: boolean;
      try {
        result = task({ signal: taskSignal, key: job.key, shardId: shard.id });
        isAsync = isThenable(result);
      } catch (error) {
        end(false, error);
        return;
      }
      if (isAsync) {
        Promise.resolve(result).then(
          (value) => end(true, value),
          (error: unknown) => end(false, error),
        );
      } else {
        end(true, result);
      }
    });
  }

  #finish(job: Task, fulfilled: boolean, value: unknown): void {
    if (job.phase !== TaskPhase.running) return;
    const shard = this.#shardOf(job);
    shard.running--;
    this.#pending--;
    if (fulfilled) {
      shard.completed++;
      this.#completed++;
    } else {
      shard.failed++;
      this.#failed++;
    }
    const extras = job.extras;
    if (extras !== undefined) {
      extras.stopListening?.();
      extras.abandon = undefined;
    }
    if (this.#config.orderedKeys) this.#keyLeft(job.key);
    if (fulfilled) job.fulfil(value);
    else job.reject(value);
    this.#retireIfEmpty(shard);
    this.#idle.update();
  }

  /** A task of the key left its shard (finished, or removed before it started). */
  #keyLeft(key: QueueKey): void {
    const keyState = this.#keys.get(key) as KeyState;
    keyState.inFlight--;
    if (keyState.inFlight > 0) return;
    if (keyState.parked !== undefined) this.#completeHandoff(keyState);
    else if (keyState.isIdle) this.#keys.delete(key);
  }

  /** The key drained from its old shard: its parked tasks go to the new one, in order. */
  #completeHandoff(keyState: KeyState): void {
    let target = keyState.movingTo as ShardState;
    const parked = keyState.parked as Task[];
    keyState.parked = undefined;
    keyState.movingTo = undefined;
    this.#movingKeys--;
    const from = keyState.shard;
    if (target.retiring) {
      target.parked -= parked.length;
      target = this.#place(keyState.key, keyState.hash, true);
      target.parked += parked.length;
    }
    keyState.shard = target;
    keyState.routedAt = this.#epoch;
    keyState.inFlight += parked.length;
    target.parked -= parked.length;
    for (const job of parked) this.#enqueue(job, target);
    this.#handoffs++;
    if (this.#events.heard('handoff')) {
      this.#events.emit('handoff', {
        key: keyState.key,
        fromShardId: from.id,
        toShardId: target.id,
        tasks: parked.length,
      });
    }
  }

  // ---- cancellation and clearing -----------------------------------------

  #onAbort(job: Task, signal: AbortSignal): void {
    const error = cancellationError(signal);
    if (job.phase === TaskPhase.running) {
      job.extras?.abandon?.(error);
      return;
    }
    const shard = this.#shardOf(job);
    if (!this.#unlink(job)) return;
    job.reject(error);
    this.#afterSizeDecrease(shard);
    this.#retireIfEmpty(shard);
    this.#idle.update();
  }

  /** Takes a task that has not started out of wherever it waits. False if it is not waiting. */
  #unlink(job: Task): boolean {
    const shard = this.#shardOf(job);
    switch (job.phase) {
      case TaskPhase.waitingForRoom: {
        // Left in `roomWaiters` and skipped when reached: removal from the middle would be O(n).
        shard.waitingForRoom--;
        this.#waitingForRoom--;
        if (this.#config.orderedKeys) {
          const keyState = this.#keys.get(job.key) as KeyState;
          keyState.waitingForRoom--;
          if (keyState.isIdle) this.#keys.delete(job.key);
        }
        break;
      }
      case TaskPhase.parked: {
        const keyState = this.#keys.get(job.key) as KeyState;
        const parked = keyState.parked as Task[];
        parked.splice(parked.indexOf(job), 1);
        shard.parked--;
        this.#size--;
        if (parked.length === 0) {
          keyState.parked = undefined;
          keyState.movingTo = undefined;
          this.#movingKeys--;
        }
        break;
      }
      case TaskPhase.queued: {
        if (!shard.backend.cancel(job)) return false;
        shard.queued--;
        this.#size--;
        if (this.#config.orderedKeys) this.#keyLeft(job.key);
        break;
      }
      default:
        return false;
    }
    job.extras?.stopListening?.();
    job.phase = TaskPhase.settled;
    return true;
  }

  /** Rejects every task that has not started with `error`: the room waiters, then parked, then queued tasks. */
  #removeWaiting(error: Error): number {
    let removed = 0;
    const shards = this.#allShards();
    // Waiting and parked tasks first: removing queued ones can complete a
    // handoff, which would queue the parked tasks it releases.
    for (const shard of shards) {
      for (const job of shard.roomWaiters.drain()) {
        if (job.phase !== TaskPhase.waitingForRoom) continue;
        this.#unlink(job);
        job.rejectHandled(error);
        removed++;
      }
    }
    for (const keyState of [...this.#keys.values()]) {
      for (const job of [...(keyState.parked ?? [])]) {
        this.#unlink(job);
        job.rejectHandled(error);
        removed++;
      }
    }
    for (const shard of shards) {
      for (const job of shard.backend.clear()) {
        if (job.phase !== TaskPhase.queued) continue;
        shard.queued--;
        this.#size--;
        if (this.#config.orderedKeys) this.#keyLeft(job.key);
        job.extras?.stopListening?.();
        job.rejectHandled(error);
        removed++;
      }
    }
    for (const shard of shards) this.#retireIfEmpty(shard);
    this.#afterSizeDecrease(undefined);
    this.#idle.update();
    return removed;
  }

  // ---- resizing -----------------------------------------------------------

  #createShard(id: number): ShardState {
    const config = this.#config;
    const backend = config.backend.createShard<Task>({
      shardId: id,
      concurrency: config.concurrency,
      keyConcurrency: config.keyConcurrency,
      orderedKeys: config.orderedKeys,
      intervalCap: config.intervalCap,
      interval: config.interval,
      clock: this.#clock,
      execute: this.#execute,
    });
    const shard = new ShardState(id, backend, new ThroughputMeter(config.throughputWindow, this.#clock.now()));
    this.#byId[id] = shard;
    return shard;
  }

  #createRouter(shardIds: readonly number[]): ShardRouter {
    const router = this.#config.router.create(shardIds);
    if (router === null || typeof router !== 'object' || typeof router.route !== 'function') {
      throw new InvalidOptionError('router', 'a ShardRouterFactory whose create() returns a ShardRouter', router);
    }
    return router;
  }

  #changeRouter(change: 'added' | 'removed', shardId: number): void {
    const previous = this.#router;
    const next = this.#createRouter(this.#active.map((shard) => shard.id));
    this.#router = next;
    this.#epoch++;

    let moved = 0;
    for (let i = 0; i < RESIZE_SAMPLE; i++) {
      const hash = fmix32(i + 0x3c6ef372);
      if (previous.route(hash) !== next.route(hash)) moved++;
    }
    let keysInFlight = 0;
    let keysMoving = 0;
    for (const keyState of this.#keys.values()) {
      if (keyState.inFlight === 0) continue;
      keysInFlight++;
      if (keyState.parked !== undefined || !this.#stillRoutes(keyState)) keysMoving++;
    }
    if (change === 'removed') this.#retargetHandoffs(shardId);
    this.#rebucketRoomWaiters();

    const event: ResizeEvent = {
      at: this.#clock.now(),
      change,
      shardId,
      previousShardIds: previous.shardIds,
      shardIds: next.shardIds,
      movedFraction: moved / RESIZE_SAMPLE,
      expectedMovedFraction: change === 'added' ? 1 / next.shardIds.length : 1 / previous.shardIds.length,
      keysInFlight,
      keysMoving,
    };
    this.#lastResize = event;
    this.#events.emit('resize', event);
    this.#admitWaiters();
  }

  /** Parked tasks bound for a removed shard are bound for the key's new route instead. */
  #retargetHandoffs(removedId: number): void {
    for (const keyState of this.#keys.values()) {
      const target = keyState.movingTo;
      if (target === undefined || target.id !== removedId) continue;
      const parked = keyState.parked as Task[];
      const next = this.#place(keyState.key, keyState.hash, true);
      target.parked -= parked.length;
      next.parked += parked.length;
      keyState.movingTo = next;
      for (const job of parked) job.shardId = next.id;
    }
  }

  /** After a router change, tasks waiting for room wait for the shard they will now go to. */
  #rebucketRoomWaiters(): void {
    if (this.#waitingForRoom === 0) return;
    const waiting: Task[] = [];
    for (const shard of this.#allShards()) {
      for (const job of shard.roomWaiters.drain()) if (job.phase === TaskPhase.waitingForRoom) waiting.push(job);
      shard.waitingForRoom = 0;
    }
    const rerouted = new Set<QueueKey>();
    for (const job of waiting) {
      let shard: ShardState;
      if (this.#config.orderedKeys) {
        const keyState = this.#keys.get(job.key) as KeyState;
        if (!rerouted.has(job.key)) {
          rerouted.add(job.key);
          keyState.roomShard = this.#routeBusyKey(keyState, false);
        }
        shard = keyState.roomShard as ShardState;
      } else {
        shard = this.#place(job.key, hashKey(job.key), false);
      }
      job.shardId = shard.id;
      shard.roomWaiters.push(job);
      shard.waitingForRoom++;
    }
  }

  #retireIfEmpty(shard: ShardState): void {
    const retirement = shard.retirement;
    if (retirement === undefined || shard.load > 0 || shard.waitingForRoom > 0) return;
    if (this.#byId[shard.id] !== shard) return;
    this.#byId[shard.id] = undefined;
    void shard.backend.close().then(retirement.resolve);
  }

  // ---- events and helpers -------------------------------------------------

  #afterSizeDecrease(shard: ShardState | undefined): void {
    if (this.#waitingForRoom > 0) this.#admitWaiters(shard);
    if (this.#sizeWatch.watched) this.#sizeWatch.update();
    if (this.#drained.watched) this.#drained.update();
  }

  #imbalance(): number {
    let total = 0;
    let max = 0;
    for (const shard of this.#active) {
      const load = shard.load;
      total += load;
      if (load > max) max = load;
    }
    return total === 0 ? 1 : max / (total / this.#active.length);
  }

  #shardOf(job: Task): ShardState {
    return this.#byId[job.shardId] as ShardState;
  }

  #allShards(): ShardState[] {
    return this.#byId.filter((shard): shard is ShardState => shard !== undefined);
  }

  #retiringCount(): number {
    return this.#allShards().length - this.#active.length;
  }

  #throwIfClosed(): void {
    if (this.#closing !== undefined) throw new QueueClosedError();
  }
}
