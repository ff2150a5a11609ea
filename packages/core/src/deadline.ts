import type { IDisposable } from 'cockatiel';
import { cancellationError, isAbortSignal, linkedAbortController, onAbort } from './abort.js';
import { type Clock, realClock } from './clock.js';
import { DeadlineExceededError, InvalidArgumentError, InvalidOptionError } from './errors.js';

/** A signal with a time limit; see `createDeadline`. */
export interface Deadline extends IDisposable {
  /** Aborts with a `DeadlineExceededError` when time runs out, or with the parent's reason if it aborts first. */
  readonly signal: AbortSignal;
  /** The clock time at which the deadline fires. */
  readonly expiresAt: number;
  /** Milliseconds left, never below 0. */
  remaining(): number;
}

/** Options of `createDeadline` and `delay`. */
export interface TimingOptions {
  /** Where time comes from. @default realClock */
  readonly clock?: Clock;
  /** Cancels early; the deadline's signal then aborts with this signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * A signal that aborts `timeout` ms from now on `clock`, or earlier if the
 * parent `signal` aborts. Unlike `AbortSignal.timeout`, it runs on the
 * injected clock, so deadlines work in virtual time. Dispose it once the work
 * settles: that clears the timer and unhooks the parent.
 *
 * Nesting deadlines propagates them: a child can only end sooner than its
 * parent, never later.
 */
export function createDeadline(timeout: number, options: TimingOptions = {}): Deadline {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError('timeout', 'a number of milliseconds ≥ 0 (Infinity for none)', timeout);
  }
  const clock = options.clock ?? realClock;
  const link = linkedAbortController(checkSignal(options.signal));
  const expiresAt = clock.now() + timeout;
  const remaining = (): number => Math.max(0, expiresAt - clock.now());
  if (!Number.isFinite(timeout) || link.signal.aborted) {
    return { signal: link.signal, expiresAt, remaining, dispose: link.dispose };
  }
  const timer = clock.setTimeout(() => link.controller.abort(new DeadlineExceededError(timeout)), timeout);
  return {
    signal: link.signal,
    expiresAt,
    remaining,
    dispose: () => {
      clock.clearTimeout(timer);
      link.dispose();
    },
  };
}

/**
 * Resolves after `ms` on the clock. Rejects with the cancellation error as soon
 * as `signal` aborts, and clears its timer then.
 */
export function delay(ms: number, options: TimingOptions = {}): Promise<void> {
  const clock = options.clock ?? realClock;
  const signal = checkSignal(options.signal);
  if (signal?.aborted) return Promise.reject(cancellationError(signal));
  return new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      listening.dispose();
      resolve();
    }, ms);
    const listening = onAbort(signal, () => {
      clock.clearTimeout(timer);
      reject(cancellationError(signal as AbortSignal));
    });
  });
}

function checkSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  return signal;
}
