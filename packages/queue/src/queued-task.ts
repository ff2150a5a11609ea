import type { ShardJob } from './backend.js';
import type { QueueKey } from './key.js';

/** What a task receives when it starts. */
export interface TaskContext {
  /**
   * Aborts when the task's own `signal` aborts or its `timeout` passes. The
   * queue then settles the task's promise and moves on; pass the signal to
   * the work (to `fetch`, say) so that the work stops too.
   */
  readonly signal: AbortSignal;
  /** The routing key (after `keyOf`, if one was given). */
  readonly key: QueueKey;
  /** The shard the task runs on. */
  readonly shardId: number;
}

/** A unit of work: sync or async, it gets a `TaskContext`. */
export type QueueTask<T> = (context: TaskContext) => T | PromiseLike<T>;

/** Where a task is in its life. Numbers, not strings, to keep each task small. */
export const TaskPhase = {
  /** Waiting for room in a full queue (`whenFull: 'wait'`). */
  waitingForRoom: 0,
  /** Routed to a shard its key is moving to, waiting for the key to drain from the old one. */
  parked: 1,
  /** In its shard's backend, waiting to start. */
  queued: 2,
  running: 3,
  settled: 4,
} as const;
export type TaskPhase = (typeof TaskPhase)[keyof typeof TaskPhase];

/** The rarely used per-task settings, kept out of line so a plain task stays small. */
export interface TaskExtras {
  readonly signal: AbortSignal | undefined;
  /** Overrides the queue's timeout; Infinity for none. */
  readonly timeout: number | undefined;
  /** Stops listening to `signal`. */
  stopListening: (() => void) | undefined;
  /** While the task runs: gives up on it (its signal aborted), settling its promise and freeing its slot. */
  abandon: ((error: unknown) => void) | undefined;
}

let capturedResolve: ((value: unknown) => void) | undefined;
const captureResolve = (resolve: (value: unknown) => void): void => {
  capturedResolve = resolve;
};

/** Extras live beside the few tasks that have them, so the rest do not carry an empty field. */
const extrasOf = new WeakMap<object, TaskExtras>();

const PHASE_BITS = 0b111;
const HAS_EXTRAS = 0b1000;
const SHARD_SHIFT = 4;

/**
 * A queued task is the very promise `add` returns. Being one object instead
 * of a record plus a promise saves the record's header and the promise field,
 * and its phase, shard and a flag share one number, so that a waiting task
 * costs little more than its promise and resolve function. The bytes per
 * waiting task, beside p-queue's, are measured by `npm run bench -- queue`
 * and recorded in bench/RESULTS.md.
 *
 * Its state lives in private fields, so the promise a caller holds shows
 * nothing of the queue. `constructor` is set to `Promise` on the prototype
 * (below): `then`, `await` and `Promise.resolve` then treat it exactly as a
 * native promise and derive plain promises from it.
 *
 * Only the resolve function is kept; rejecting resolves with a rejected
 * promise, which saves the reject function's bytes on every waiting task.
 */
export class QueuedTask<T = unknown> extends Promise<T> implements ShardJob {
  readonly #key: QueueKey;
  readonly #priority: number;
  readonly #resolve: (value: T | PromiseLike<T>) => void;
  #task: QueueTask<T> | undefined;
  /** Phase in the low 3 bits, then the extras flag, then the shard id. */
  #state: number = TaskPhase.queued;

  constructor(key: QueueKey, priority: number, task: QueueTask<T>, extras: TaskExtras | undefined) {
    super(captureResolve as (resolve: (value: T | PromiseLike<T>) => void) => void);
    this.#resolve = capturedResolve as (value: T | PromiseLike<T>) => void;
    capturedResolve = undefined;
    this.#key = key;
    this.#priority = priority;
    this.#task = task;
    if (extras !== undefined) {
      extrasOf.set(this, extras);
      this.#state |= HAS_EXTRAS;
    }
  }

  get key(): QueueKey {
    return this.#key;
  }

  get priority(): number {
    return this.#priority;
  }

  get phase(): TaskPhase {
    return (this.#state & PHASE_BITS) as TaskPhase;
  }

  set phase(phase: TaskPhase) {
    this.#state = (this.#state & ~PHASE_BITS) | phase;
  }

  /** The shard it waits for, is queued on, or runs on. */
  get shardId(): number {
    return this.#state >>> SHARD_SHIFT;
  }

  set shardId(shardId: number) {
    this.#state = (shardId << SHARD_SHIFT) | (this.#state & (PHASE_BITS | HAS_EXTRAS));
  }

  get extras(): TaskExtras | undefined {
    return (this.#state & HAS_EXTRAS) === 0 ? undefined : extrasOf.get(this);
  }

  /** Hands over the task function once, at start, so that it can be collected early. */
  takeTask(): QueueTask<T> | undefined {
    const task = this.#task;
    this.#task = undefined;
    return task;
  }

  fulfil(value: T): void {
    this.phase = TaskPhase.settled;
    this.#resolve(value);
  }

  reject(error: unknown): void {
    this.phase = TaskPhase.settled;
    this.#task = undefined;
    this.#resolve(Promise.reject(error));
  }

  /**
   * Rejects, and marks the rejection handled: for errors the queue itself
   * decided on (clear, close), which must not crash a process that fired the
   * task and forgot it, as p-queue's `clear` does.
   */
  rejectHandled(error: unknown): void {
    this.reject(error);
    this.then(undefined, ignore);
  }
}

const ignore = (): void => {};

// See the class comment: derived promises and `await` treat a QueuedTask as a native Promise.
Object.defineProperty(QueuedTask.prototype, 'constructor', {
  value: Promise,
  writable: true,
  configurable: true,
  enumerable: false,
});
