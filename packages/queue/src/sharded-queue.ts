import {
  type Clock,
  type Closable,
  cancellationError,
  type Event,
  InvalidArgumentError,
  onAbort,
} from '@palisade/core';
import { LazyEmitters } from '@palisade/core/internal';
import { type AddOptions, readAddOptions } from './add-options.js';
import { Admission } from './admission.js';
import { callOptions, rejectUnknownCallOptions } from './call-options.js';
import { ConditionWatch, type QueueCondition, type SizeCondition, SizeWatch } from './condition.js';
import { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
import type {
  HandoffEvent,
  QueueEvents,
  QueueRejectEvent,
  ResizeEvent,
  SpillEvent,
  TaskFailureEvent,
  TaskSuccessEvent,
} from './events.js';
import { checkKey, hashKey, type QueueKey } from './key.js';
import { KeyHandoff } from './key-handoff.js';
import { MAX_SHARDS, type QueueConfig, resolveOptions, type ShardedQueueOptions } from './options.js';
import { QueueCounts } from './queue-counts.js';
import { QueuedTask, type QueueTask, TaskPhase } from './queued-task.js';
import { measureResize } from './resize-accounting.js';
import type { ShardRouter } from './shard-router.js';
import { ShardRouting } from './shard-routing.js';
import { ShardState, type Task } from './shard-state.js';
import { type QueueStats, queueStats } from './stats.js';
import { TaskRemoval } from './task-removal.js';
import { TaskRunner } from './task-runner.js';
import { ThroughputMeter } from './throughput.js';

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
 *
 * This class is the public face. The work is done by one part per concept:
 * `ShardRouting` (which shard), `KeyHandoff` (per-key order across moves),
 * `Admission` (backpressure), `TaskRunner` (running a task), `TaskRemoval`
 * (cancel, clear, close), `measureResize` and `queueStats`.
 */
export class ShardedQueue<Key = QueueKey> implements Closable {
  readonly #config: QueueConfig;
  readonly #clock: Clock;
  readonly #keyOf: ((key: Key) => QueueKey) | undefined;
  readonly #counts = new QueueCounts();
  readonly #events = new LazyEmitters<QueueEvents>();
  /**
   * When each running task started, kept only once someone listens to
   * `onSuccess` or `onFailure`: a task itself has no room for it, and a queue
   * nobody times pays nothing.
   */
  #startedAt: Map<Task, number> | undefined;
  readonly #routing: ShardRouting;
  /** Only with `keyOrder: 'fifo'`: unordered keys need no tracking. */
  readonly #keys: KeyHandoff | undefined;
  readonly #admission: Admission;
  readonly #removal: TaskRemoval;
  readonly #runner: TaskRunner;
  readonly #meter: ThroughputMeter;
  #lastResize: ResizeEvent | undefined;
  #closing: { drain: boolean; readonly promise: Promise<void> } | undefined;

  readonly #idle = new ConditionWatch(() => {
    const counts = this.#counts;
    return counts.size === 0 && counts.pending === 0 && counts.waitingForRoom === 0;
  });
  readonly #drained = new ConditionWatch(() => this.#counts.size === 0 && this.#counts.waitingForRoom === 0);
  readonly #sizeWatch = new SizeWatch(() => this.#counts.size);

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

  /**
   * A task ran and fulfilled, with how long it ran (ms on the queue's clock,
   * from its start: the time it waited is not in it), in the shape of
   * cockatiel's `ISuccessEvent`.
   */
  get onSuccess(): Event<TaskSuccessEvent> {
    return this.#timedEvent('success');
  }

  /**
   * A task ran and failed (rejected, threw, timed out, or was aborted while
   * running), with how long it ran and why, in the shape of cockatiel's
   * `IFailureEvent`; `handled` is always true.
   */
  get onFailure(): Event<TaskFailureEvent> {
    return this.#timedEvent('failure');
  }

  /** Subscribing to a task's end starts timing the tasks that start from then on. */
  #timedEvent<K extends 'success' | 'failure'>(name: K): Event<QueueEvents[K]> {
    this.#startedAt ??= new Map();
    return this.#events.on(name);
  }

  /** `add` turned a task away: the queue was full (with `whenFull: 'reject'`) or closed. */
  get onReject(): Event<QueueRejectEvent> {
    return this.#events.on('reject');
  }

  constructor(
    ...[options]: [Key] extends [QueueKey] ? [options?: ShardedQueueOptions<Key>] : [options: ShardedQueueOptions<Key>]
  ) {
    const config = resolveOptions(options as ShardedQueueOptions<unknown> | undefined);
    this.#config = config;
    this.#clock = config.clock;
    this.#keyOf = config.keyOf as ((key: Key) => QueueKey) | undefined;
    this.#meter = new ThroughputMeter(config.throughputWindow, this.#clock.now());
    this.#runner = new TaskRunner(this.#clock, config.timeout, this.#finish);
    const shards = Array.from({ length: config.shards }, (_, id) => this.#createShard(id));
    this.#routing = new ShardRouting(config.router, shards, this.#events);
    this.#keys = config.orderedKeys ? new KeyHandoff(this.#routing, this.#events) : undefined;
    this.#admission = new Admission(config, this.#counts, this.#routing, this.#keys);
    this.#removal = new TaskRemoval(this.#counts, this.#routing, this.#admission, this.#keys);
  }

  /** Tasks waiting to start, over all shards (queued, or parked for a moving key). Bounded by `maxSize`. */
  get size(): number {
    return this.#counts.size;
  }

  /** Tasks running. */
  get pending(): number {
    return this.#counts.pending;
  }

  /** Tasks waiting for room (`whenFull: 'wait'`), not yet counted in `size`. */
  get waitingForRoom(): number {
    return this.#counts.waitingForRoom;
  }

  /** The active shards' ids, in the order they were added. */
  get shardIds(): readonly number[] {
    return this.#routing.router.shardIds;
  }

  /** The current router: which shard each key maps to, and the ring for ring routers. */
  get router(): ShardRouter {
    return this.#routing.router;
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
   * string or number (without `keyOf`), a task that is not a function, or a
   * bad option (naming it: `options.priority`). Rejects: `QueueFullError`
   * (`whenFull: 'reject'`), `QueueClosedError`, `QueueClearedError`, the
   * signal's cancellation error, `DeadlineExceededError` (timeout), or the
   * task's own error.
   */
  add<T>(key: Key, task: QueueTask<T>, options?: AddOptions): Promise<T> {
    const routingKey = this.#routingKey(key);
    if (typeof task !== 'function') throw new InvalidArgumentError('task', 'a function', task);
    const settings = options === undefined ? undefined : readAddOptions(options, this.#config.whenFull);
    if (this.#closing !== undefined) {
      return this.#turnAway({ reason: 'closed', key: routingKey, error: new QueueClosedError() });
    }
    const extras = settings?.extras;
    const signal = extras?.signal;
    if (signal?.aborted) return Promise.reject(cancellationError(signal));

    const keyState = this.#keys?.get(routingKey);
    const hash = keyState === undefined ? hashKey(routingKey) : keyState.hash;
    const destination =
      keyState === undefined
        ? this.#routing.place(routingKey, hash, true)
        : this.#routing.destinationOf(keyState, true);
    const full = this.#admission.fullLimit(destination);
    if (full !== undefined && (settings === undefined ? this.#config.whenFull : settings.whenFull) === 'reject') {
      const error = new QueueFullError(full, this.#config[full], destination.id);
      return this.#turnAway({ reason: 'full', key: routingKey, error });
    }
    const promise = new QueuedTask<T>(routingKey, settings === undefined ? 0 : settings.priority, task, extras);
    // The queue holds every task as a QueuedTask<unknown>; only the caller sees its T.
    const job = promise as Task;
    const tracked = keyState ?? this.#keys?.track(routingKey, hash, destination);
    if (full !== undefined) this.#admission.waitForRoom(job, destination, tracked);
    else this.#admission.admit(job, destination, tracked);
    this.#idle.end();
    this.#drained.end();
    if (this.#sizeWatch.watched) this.#sizeWatch.update();
    if (signal !== undefined && extras !== undefined) {
      extras.stopListening = onAbort(signal, () => this.#onAbort(job, signal)).dispose;
    }
    return promise;
  }

  /**
   * The shard a new task of `key` would go to now: the key's current shard
   * while it has tasks there, its new shard while it moves, else the router's
   * choice (by load, for the bounded-load router).
   */
  shardFor(key: Key): number {
    const routingKey = this.#routingKey(key);
    const keyState = this.#keys?.get(routingKey);
    const shard =
      keyState === undefined
        ? this.#routing.place(routingKey, hashKey(routingKey), false)
        : this.#routing.destinationOf(keyState, false);
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
    if (this.#routing.all().length >= MAX_SHARDS) {
      throw new InvalidArgumentError('shards', `at most ${MAX_SHARDS} shards, retiring ones included`, MAX_SHARDS + 1);
    }
    const shard = this.#createShard(this.#routing.freeId());
    this.#routerChanged('added', shard.id, this.#routing.add(shard));
    return shard.id;
  }

  /**
   * Removes a shard. It takes no new keys at once; its keys move to the other
   * shards, each as soon as its tasks on this shard have finished (new tasks
   * of a moving key wait, parked, until then). Resolves when the shard has
   * drained and closed. The jump router can only remove the last shard added.
   */
  removeShard(shardId: number): Promise<void> {
    this.#throwIfClosed();
    const shard = this.#routing.shard(shardId);
    if (shard === undefined || shard.retiring) {
      throw new InvalidArgumentError('shardId', `the id of an active shard (${this.shardIds.join(', ')})`, shardId);
    }
    if (this.#routing.active.length === 1) {
      throw new InvalidArgumentError('shardId', 'a shard other than the only one: a queue needs at least one', shardId);
    }
    const router = this.#routing.router;
    if (!router.canRemove(shardId)) {
      throw new InvalidArgumentError(
        'shardId',
        `a shard the ${router.kind} router can remove (it removes only shard ${this.shardIds.at(-1)}, the last added)`,
        shardId,
      );
    }
    const retired = new Promise<void>((resolve) => {
      shard.retirement = { resolve };
    });
    this.#routerChanged('removed', shardId, this.#routing.remove(shard));
    this.#routing.retireIfEmpty(shard);
    return retired;
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
    while (this.#routing.active.length < count) this.addShard();
    const removals = this.#routing.active
      .slice(count)
      .reverse()
      .map((shard) => this.removeShard(shard.id));
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
    if (options !== undefined) rejectUnknownCallOptions(callOptions(options), ['drain']);
    const drain = options?.drain ?? false;
    if (typeof drain !== 'boolean') throw new InvalidArgumentError('options.drain', 'true or false', drain);
    if (this.#closing !== undefined) {
      if (this.#closing.drain && !drain) {
        this.#closing.drain = false;
        this.#removeWaiting(new QueueClosedError());
      }
      return this.#closing.promise;
    }
    const promise = (async () => {
      await this.onIdle();
      await Promise.all(this.#routing.all().map((shard) => shard.backend.close()));
    })();
    this.#closing = { drain, promise };
    if (!drain) this.#removeWaiting(new QueueClosedError());
    return promise;
  }

  /** `close()`, for `await using queue = new ShardedQueue(…)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot for dashboards and the sandbox: O(shards), no per-task work. */
  stats(): QueueStats {
    const now = this.#clock.now();
    const parts = { routing: this.#routing, keys: this.#keys, counts: this.#counts, meter: this.#meter };
    return queueStats(parts, this.#config.backend.name, this.#lastResize, now);
  }

  #turnAway(event: QueueRejectEvent): Promise<never> {
    this.#events.emit('reject', event);
    return Promise.reject(event.error);
  }

  #routingKey(key: Key): QueueKey {
    if (this.#keyOf === undefined) return checkKey(key);
    return checkKey(this.#keyOf(key), 'keyOf(key)');
  }

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
    return new ShardState(id, backend, new ThroughputMeter(config.throughputWindow, this.#clock.now()));
  }

  /** After the router changed: measure, re-aim what waits for a shard, tell listeners, let waiters in. */
  #routerChanged(change: 'added' | 'removed', shardId: number, previous: ShardRouter): void {
    const event = measureResize(change, shardId, previous, this.#routing, this.#keys, this.#clock.now());
    if (change === 'removed') this.#keys?.retarget(shardId);
    this.#admission.rebucket();
    this.#lastResize = event;
    this.#events.emit('resize', event);
    this.#admission.admitWaiters();
  }

  /** The backend's `execute`: starts a task, which settles through `#finish`. */
  readonly #execute = (job: Task): undefined | Promise<void> => {
    if (job.phase !== TaskPhase.queued) return undefined;
    const task = job.takeTask();
    if (task === undefined) return undefined;
    const shard = this.#routing.shardOf(job);
    job.phase = TaskPhase.running;
    shard.queued--;
    shard.running++;
    this.#counts.size--;
    this.#counts.pending++;
    this.#afterSizeDecrease(shard);
    this.#startedAt?.set(job, this.#clock.now());
    return this.#runner.run(job, task, shard.id);
  };

  /** A running task settled (or was abandoned): frees its slot and its key's turn, then settles its promise. */
  readonly #finish = (job: Task, fulfilled: boolean, value: unknown): void => {
    if (job.phase !== TaskPhase.running) return;
    const shard = this.#routing.shardOf(job);
    const counts = this.#counts;
    shard.running--;
    counts.pending--;
    if (fulfilled) {
      shard.completed++;
      counts.completed++;
    } else {
      shard.failed++;
      counts.failed++;
    }
    const extras = job.extras;
    if (extras !== undefined) {
      extras.stopListening?.();
      extras.abandon = undefined;
    }
    this.#keys?.left(job.key);
    if (fulfilled) job.fulfil(value);
    else job.reject(value);
    this.#routing.retireIfEmpty(shard);
    this.#idle.update();
    if (this.#startedAt !== undefined) this.#announceEnd(job, fulfilled, value);
  };

  #announceEnd(job: Task, fulfilled: boolean, value: unknown): void {
    const startedAt = this.#startedAt?.get(job);
    if (startedAt === undefined) return;
    this.#startedAt?.delete(job);
    const duration = this.#clock.now() - startedAt;
    if (fulfilled) this.#events.emit('success', { duration });
    else this.#events.emit('failure', { duration, handled: true, reason: { error: value } });
  }

  #onAbort(job: Task, signal: AbortSignal): void {
    const error = cancellationError(signal);
    if (job.phase === TaskPhase.running) {
      job.extras?.abandon?.(error);
      return;
    }
    const shard = this.#routing.shardOf(job);
    if (!this.#removal.unlink(job)) return;
    job.reject(error);
    this.#afterSizeDecrease(shard);
    this.#routing.retireIfEmpty(shard);
    this.#idle.update();
  }

  #removeWaiting(error: Error): number {
    const removed = this.#removal.removeAll(error);
    this.#afterSizeDecrease(undefined);
    this.#idle.update();
    return removed;
  }

  #afterSizeDecrease(shard: ShardState | undefined): void {
    if (this.#counts.waitingForRoom > 0) this.#admission.admitWaiters(shard);
    if (this.#sizeWatch.watched) this.#sizeWatch.update();
    if (this.#drained.watched) this.#drained.update();
  }

  #throwIfClosed(): void {
    if (this.#closing !== undefined) throw new QueueClosedError();
  }
}
