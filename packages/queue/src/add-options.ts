import { InvalidOptionError, isAbortSignal } from '@palisade/core';
import { oneOfOption, optionsObject } from '@palisade/core/internal';
import { checkTimeout, type WhenFull } from './options.js';
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

/** What one `add` asks for, checked, over the queue's defaults. */
export interface TaskSettings {
  readonly priority: number;
  readonly whenFull: WhenFull;
  /** Only for a task with a signal or a timeout of its own, so that a plain task carries none. */
  readonly extras: TaskExtras | undefined;
}

/** Checks the options of one `add`; `whenFull` is the queue's default. */
export function readAddOptions(options: AddOptions, whenFull: WhenFull): TaskSettings {
  const given = optionsObject('options', options);
  let priority = 0;
  if (given.priority !== undefined) {
    if (typeof given.priority !== 'number' || Number.isNaN(given.priority)) {
      throw new InvalidOptionError('priority', 'a number other than NaN', given.priority);
    }
    priority = given.priority;
  }
  const taskWhenFull =
    given.whenFull === undefined ? whenFull : oneOfOption('whenFull', given.whenFull, ['reject', 'wait']);
  const { signal } = given;
  if (signal !== undefined && !isAbortSignal(signal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  const timeout = given.timeout === undefined ? undefined : checkTimeout('timeout', given.timeout);
  const extras =
    signal !== undefined || timeout !== undefined
      ? { signal, timeout, stopListening: undefined, abandon: undefined }
      : undefined;
  return { priority, whenFull: taskWhenFull, extras };
}
