import { InvalidArgumentError, isAbortSignal } from '@palisade/core';
import { MAX_TIMER_DELAY } from '@palisade/core/internal';
import { callOptions, rejectUnknownCallOptions } from './call-options.js';
import type { WhenFull } from './options.js';
import type { TaskExtras } from './queued-task.js';

/** Options of one `add`. */
export interface AddOptions {
  /** Higher starts first, among keys (and, with `keyOrder: 'none'`, among tasks). Any number but NaN. @default 0 */
  readonly priority?: number;
  /** Cancels the task: while it waits, it is removed; while it runs, it is abandoned and its context signal aborts. */
  readonly signal?: AbortSignal;
  /** Overrides the queue's `timeout` for this task; Infinity for none. */
  readonly timeout?: number;
  /** Overrides the queue's `whenFull` for this task. */
  readonly whenFull?: WhenFull;
}

/** The keys of `AddOptions`; the type makes the list complete. */
export const ADD_OPTION_KEYS: readonly string[] = Object.keys({
  priority: true,
  signal: true,
  timeout: true,
  whenFull: true,
} satisfies Record<keyof AddOptions, true>);

/**
 * Whether `key` is one of `ADD_OPTION_KEYS`. Compared one by one, because
 * this runs on every `add` that has options, and plain comparisons cost a
 * fraction of a lookup in the list.
 */
export function isAddOptionKey(key: string): boolean {
  return key === 'priority' || key === 'signal' || key === 'timeout' || key === 'whenFull';
}

/** What one `add` asks for, checked, over the queue's defaults. */
export interface TaskSettings {
  readonly priority: number;
  readonly whenFull: WhenFull;
  /** Only for a task with a signal or a timeout of its own, so that a plain task carries none. */
  readonly extras: TaskExtras | undefined;
}

/** Checks the options of one `add`; `whenFull` is the queue's default. */
export function readAddOptions(options: AddOptions, whenFull: WhenFull): TaskSettings {
  const given = callOptions(options);
  for (const key in given) if (!isAddOptionKey(key)) rejectUnknownCallOptions(given, ADD_OPTION_KEYS);
  const { priority, signal, timeout } = given;
  if (priority !== undefined && (typeof priority !== 'number' || Number.isNaN(priority))) {
    throw new InvalidArgumentError('options.priority', 'a number other than NaN', priority);
  }
  const taskWhenFull = given.whenFull === undefined ? whenFull : given.whenFull;
  if (taskWhenFull !== 'reject' && taskWhenFull !== 'wait') {
    throw new InvalidArgumentError('options.whenFull', 'one of "reject", "wait"', taskWhenFull);
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
  }
  const extras =
    signal !== undefined || timeout !== undefined
      ? {
          signal,
          timeout: timeout === undefined ? undefined : taskTimeout(timeout),
          stopListening: undefined,
          abandon: undefined,
        }
      : undefined;
  return { priority: priority ?? 0, whenFull: taskWhenFull, extras };
}

/** A task's own timeout: (0, MAX_TIMER_DELAY] ms, or Infinity for none. */
function taskTimeout(timeout: unknown): number {
  if (timeout === Number.POSITIVE_INFINITY) return timeout;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError(
      'options.timeout',
      `a duration in milliseconds in (0, ${MAX_TIMER_DELAY}], or Infinity for none`,
      timeout,
    );
  }
  return timeout;
}
