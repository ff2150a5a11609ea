import type { IDisposable } from 'cockatiel';
import { TaskCancelledError } from 'cockatiel';
import { CancelledError } from './errors.js';

const noop = (): void => {};
const noopDisposable: IDisposable = Object.freeze({ dispose: noop });

/**
 * The error an operation rejects with when `signal` aborts. A reason that is
 * already a cancellation (a `DeadlineExceededError`, or cockatiel's
 * `TaskCancelledError`) passes through, so a deadline surfaces as itself;
 * any other reason becomes the `cause` of a `CancelledError`.
 */
export function cancellationError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof TaskCancelledError ? reason : new CancelledError(reason);
}

/** Throws `cancellationError(signal)` if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancellationError(signal);
}

/**
 * Calls `listener` once when `signal` aborts, at once if it already has.
 * Dispose to stop listening; forgetting to would keep `listener` alive for as
 * long as the signal lives.
 */
export function onAbort(signal: AbortSignal | undefined, listener: (reason: unknown) => void): IDisposable {
  if (signal === undefined) return noopDisposable;
  if (signal.aborted) {
    listener(signal.reason);
    return noopDisposable;
  }
  const handler = (): void => listener(signal.reason);
  signal.addEventListener('abort', handler, { once: true });
  return { dispose: () => signal.removeEventListener('abort', handler) };
}

/** An AbortController tied to a parent signal; see `linkedAbortController`. */
export interface LinkedAbortController extends IDisposable {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
}

/**
 * A child AbortController that aborts, with the parent's reason, when `parent`
 * does. Aborting the child leaves the parent alone: this is how one attempt
 * of many is cancelled. Dispose once the child's work settles, to unhook it
 * from a long-lived parent.
 */
export function linkedAbortController(parent?: AbortSignal): LinkedAbortController {
  const controller = new AbortController();
  const link = onAbort(parent, (reason) => controller.abort(reason));
  return { controller, signal: controller.signal, dispose: link.dispose };
}

/**
 * Settles like `work`, or rejects with `cancellationError(signal)` as soon as
 * `signal` aborts, whichever comes first. This is what makes a call settle on
 * time even when the function inside ignores its signal. A later rejection of
 * `work` is observed, so it never surfaces as an unhandled rejection.
 */
export function raceAbort<T>(work: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return Promise.resolve(work);
  if (signal.aborted) {
    Promise.resolve(work).then(noop, noop);
    return Promise.reject(cancellationError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const listening = onAbort(signal, () => reject(cancellationError(signal)));
    Promise.resolve(work).then(
      (value) => {
        listening.dispose();
        resolve(value);
      },
      (error: unknown) => {
        listening.dispose();
        reject(error);
      },
    );
  });
}
