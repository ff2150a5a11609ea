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

/**
 * True for an AbortSignal. Checked by shape (a boolean `aborted` and the
 * two listener methods), not by `instanceof`: a signal made in another realm
 * (an iframe, jsdom, a `vm` context) or by a spec-following polyfill is not
 * `instanceof` this realm's `AbortSignal`, yet works. Every palisade package
 * checks its signal arguments with this, so they all accept the same values.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const candidate = value as AbortSignal;
    return (
      typeof candidate.aborted === 'boolean' &&
      typeof candidate.addEventListener === 'function' &&
      typeof candidate.removeEventListener === 'function'
    );
  } catch {
    // A getter that throws is not a signal's: `AbortSignal.prototype.aborted`
    // itself throws for an object that only inherits from it.
    return false;
  }
}

/** Throws `cancellationError(signal)` if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancellationError(signal);
}

type AbortListener = (reason: unknown) => void;

/**
 * The registrations waiting on one signal, in the order they came: an
 * intrusive doubly linked list, so joining and leaving cost a few pointer
 * writes. A `Set` cost more (bench/RESULTS.md, core, "Watching a shared
 * signal"): a router call joins and leaves its caller's signal once, and a
 * set that churns at a constant size keeps re-allocating its table to shed
 * deleted entries.
 */
class Waiters {
  head: AbortSubscription | undefined;
  tail: AbortSubscription | undefined;
}

/** One registration: a link in its signal's list, and the disposable handed back. */
class AbortSubscription implements IDisposable {
  readonly listener: AbortListener;
  /** Undefined once it left the list: disposed, or called. */
  waiters: Waiters | undefined;
  previous: AbortSubscription | undefined;
  next: AbortSubscription | undefined;
  /** A property, not a method, so that `const { dispose } = onAbort(…)` works like any disposable. */
  readonly dispose: () => void;

  constructor(waiters: Waiters, listener: AbortListener) {
    this.listener = listener;
    this.dispose = () => this.leave();
    this.waiters = waiters;
    const tail = waiters.tail;
    this.previous = tail;
    if (tail === undefined) waiters.head = this;
    else tail.next = this;
    waiters.tail = this;
  }

  leave(): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    this.waiters = undefined;
    const { previous, next } = this;
    if (previous === undefined) waiters.head = next;
    else previous.next = next;
    if (next === undefined) waiters.tail = previous;
    else next.previous = previous;
    this.previous = undefined;
    this.next = undefined;
  }
}

/** The registrations waiting on each signal, behind one platform listener per signal. */
const waiting = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `listener` once when `signal` aborts, at once if it already has.
 * Dispose to stop listening; forgetting to would keep `listener` alive for as
 * long as the signal lives.
 *
 * Every signal gets one platform listener, the first time it is watched, and
 * keeps it; registrations join and leave a list behind it. Adding and removing
 * a platform listener scans the signal's listeners (bench/RESULTS.md, core,
 * "Watching a shared signal"), so a listener per call would be O(n²) for a
 * signal shared by many calls (a request's over its fan-out, a shutdown
 * signal), and Node warns past ten of them.
 */
export function onAbort(signal: AbortSignal | undefined, listener: AbortListener): IDisposable {
  if (signal === undefined) return noopDisposable;
  if (signal.aborted) {
    listener(signal.reason);
    return noopDisposable;
  }
  let waiters = waiting.get(signal);
  if (waiters === undefined) {
    const list = new Waiters();
    waiters = list;
    waiting.set(signal, list);
    signal.addEventListener(
      'abort',
      () => {
        const reason: unknown = signal.reason;
        // Taken from the head one at a time: a registration disposed by an earlier listener is no longer there.
        for (let first = list.head; first !== undefined; first = list.head) {
          first.leave();
          first.listener(reason);
        }
      },
      { once: true },
    );
  }
  return new AbortSubscription(waiters, listener);
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
