import { type Clock, DeadlineExceededError, type TimerHandle } from '@palisade/core';
import { isThenable, NEVER_ABORTED_SIGNAL } from '@palisade/core/internal';
import type { QueueTask, TaskExtras } from './queued-task.js';
import type { Task } from './shard-state.js';

/**
 * Where a run's outcome goes: the queue settles the task's promise and frees
 * its slot. A guarded task may report twice (its timeout, then its own end);
 * the queue ignores all but the first.
 */
export type SettleTask = (job: Task, fulfilled: boolean, value: unknown) => void;

/**
 * Runs tasks for a queue's backends. A plain task (no signal, no timeout) is
 * called with a shared signal that never aborts and settles with its result;
 * a guarded one also settles at its timeout or when its signal aborts,
 * whichever comes first, and its slot is freed then.
 */
export class TaskRunner {
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #settle: SettleTask;

  constructor(clock: Clock, timeout: number, settle: SettleTask) {
    this.#clock = clock;
    this.#timeout = timeout;
    this.#settle = settle;
  }

  /** Runs `task`. Returns undefined once it has settled, or a promise that resolves when its slot is free. */
  run(job: Task, task: QueueTask<unknown>, shardId: number): undefined | Promise<void> {
    const extras = job.extras;
    const timeout = extras?.timeout ?? this.#timeout;
    if (extras === undefined && timeout === Number.POSITIVE_INFINITY) {
      return call(job, task, NEVER_ABORTED_SIGNAL, shardId, this.#settle);
    }
    const guard = new RunGuard(job, extras, timeout, this.#clock, this.#settle);
    return call(job, task, guard.signal, shardId, guard.end) === undefined ? undefined : guard.released;
  }
}

/** Calls a task and settles with its outcome, whether it returns a value, throws, or returns a promise. */
function call(
  job: Task,
  task: QueueTask<unknown>,
  signal: AbortSignal,
  shardId: number,
  settle: SettleTask,
): undefined | Promise<void> {
  let result: unknown;
  let isAsync: boolean;
  try {
    result = task({ signal, key: job.key, shardId });
    isAsync = isThenable(result);
  } catch (error) {
    settle(job, false, error);
    return undefined;
  }
  if (!isAsync) {
    settle(job, true, result);
    return undefined;
  }
  return Promise.resolve(result).then(
    (value) => settle(job, true, value),
    (error: unknown) => settle(job, false, error),
  );
}

/**
 * A task's timeout and abort handling while it runs: the first of the task,
 * its timeout and its own signal's abort settles it. Armed before the task is
 * called, so that a task that aborts its own signal at once is abandoned too.
 */
class RunGuard {
  readonly signal: AbortSignal;
  /** Resolves when the task has settled, by whichever came first. */
  readonly released: Promise<void>;
  readonly #clock: Clock;
  readonly #settle: SettleTask;
  #release: () => void = noop;
  #timer: TimerHandle | undefined;

  constructor(job: Task, extras: TaskExtras | undefined, timeout: number, clock: Clock, settle: SettleTask) {
    this.#clock = clock;
    this.#settle = settle;
    this.released = new Promise<void>((release) => {
      this.#release = release;
    });
    const signal = extras?.signal;
    const controller = timeout === Number.POSITIVE_INFINITY ? undefined : new AbortController();
    this.signal = controller?.signal ?? signal ?? NEVER_ABORTED_SIGNAL;
    if (controller !== undefined) {
      this.#timer = clock.setTimeout(() => {
        this.#timer = undefined;
        const error = new DeadlineExceededError(
          timeout,
          `The task ran for its timeout of ${timeout} ms; it was abandoned and its signal aborted.`,
        );
        controller.abort(error);
        this.end(job, false, error);
      }, timeout);
    }
    if (extras !== undefined) {
      // The task's own signal aborting while it runs: abandon it (as p-queue does).
      extras.abandon = (error: unknown) => {
        controller?.abort(signal?.reason);
        this.end(job, false, error);
      };
    }
  }

  /** Settles the task with its own outcome, or the timeout's or abort's, and frees its slot. */
  readonly end = (job: Task, fulfilled: boolean, value: unknown): void => {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#settle(job, fulfilled, value);
    this.#release();
  };
}

const noop = (): void => {};
