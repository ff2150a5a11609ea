import { cancellationError, type IDisposable, InvalidArgumentError, isAbortSignal, onAbort } from '@palisade/core';
import { reportError, SafeEventEmitter } from '@palisade/core/internal';
import { callOptions, rejectUnknownCallOptions } from './call-options.js';

/** Options of the promise form of `onIdle`, `onDrained` and `onSizeLessThan`. */
export interface WaitOptions {
  /** Stops waiting: the promise rejects with the cancellation error. */
  readonly signal?: AbortSignal;
}

/**
 * A state of the queue you can listen to or wait for, in two forms:
 *
 * - `onIdle(listener)` (cockatiel's event idiom) calls `listener` every time
 *   the state begins, and returns a disposable.
 * - `onIdle()` or `onIdle({ signal })` (p-queue's idiom) returns a promise
 *   that resolves when the state holds: at once if it holds now.
 */
export interface QueueCondition {
  (listener: () => void): IDisposable;
  (options?: WaitOptions): Promise<void>;
}

/** `onSizeLessThan(limit, …)`: the same two forms, for "fewer than `limit` tasks waiting". */
export interface SizeCondition {
  (limit: number, listener: () => void): IDisposable;
  (limit: number, options?: WaitOptions): Promise<void>;
}

/** The signal of a wait's options, checked: bad options throw at the call, not from a later listener. */
function waitSignal(options: WaitOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  rejectUnknownCallOptions(callOptions(options), ['signal']);
  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
  }
  return signal;
}

interface Waiter {
  readonly resolve: () => void;
  stopListening: IDisposable | undefined;
}

/**
 * Tracks one boolean state. The owner calls `update(holds)` where the state
 * can change; listeners fire on each false → true transition.
 */
export class ConditionWatch {
  readonly #emitter = new SafeEventEmitter<void>();
  readonly #waiters = new Set<Waiter>();
  readonly #holds: () => boolean;
  #held: boolean;

  constructor(holds: () => boolean) {
    this.#holds = holds;
    this.#held = holds();
  }

  /** Whether anyone listens or waits: the owner may skip `update` when not. */
  get watched(): boolean {
    return this.#emitter.size > 0 || this.#waiters.size > 0;
  }

  readonly condition: QueueCondition = ((arg?: (() => void) | WaitOptions) => {
    // The owner skips `update` while nobody watches, so the remembered state may be stale.
    this.#held = this.#holds();
    if (typeof arg === 'function') return this.#emitter.addListener(arg);
    return this.#wait(arg);
  }) as QueueCondition;

  /** Call when the state has certainly ended (work was added): cheaper than `update`. */
  end(): void {
    this.#held = false;
  }

  /** Call when the state may have begun or ended. */
  update(): void {
    const holds = this.#holds();
    if (holds === this.#held) return;
    this.#held = holds;
    if (!holds) return;
    for (const waiter of this.#waiters) {
      waiter.stopListening?.dispose();
      waiter.resolve();
    }
    this.#waiters.clear();
    this.#emitter.emit(undefined);
  }

  #wait(options: WaitOptions | undefined): Promise<void> {
    const signal = waitSignal(options);
    if (signal?.aborted) return Promise.reject(cancellationError(signal));
    if (this.#holds()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, stopListening: undefined };
      this.#waiters.add(waiter);
      waiter.stopListening = onAbort(signal, () => {
        this.#waiters.delete(waiter);
        reject(cancellationError(signal as AbortSignal));
      });
    });
  }
}

interface SizeWatcher {
  readonly limit: number;
  readonly notify: () => void;
  /** Whether the size has been at or above `limit` since `notify` last ran. */
  armed: boolean;
  stopListening: IDisposable | undefined;
}

/** The watchers of `onSizeLessThan`: each has its own limit and fires when the size drops below it. */
export class SizeWatch {
  readonly #watchers = new Set<SizeWatcher>();
  readonly #size: () => number;

  constructor(size: () => number) {
    this.#size = size;
  }

  get watched(): boolean {
    return this.#watchers.size > 0;
  }

  readonly condition: SizeCondition = ((limit: number, arg?: (() => void) | WaitOptions) => {
    if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 1) {
      throw new InvalidArgumentError('limit', 'a number ≥ 1 (a size of 0 is never below it)', limit);
    }
    if (typeof arg === 'function') {
      const watcher: SizeWatcher = { limit, notify: arg, armed: this.#size() >= limit, stopListening: undefined };
      this.#watchers.add(watcher);
      return { dispose: () => this.#watchers.delete(watcher) };
    }
    const signal = waitSignal(arg);
    if (signal?.aborted) return Promise.reject(cancellationError(signal));
    if (this.#size() < limit) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const watcher: SizeWatcher = {
        limit,
        notify: () => {
          this.#watchers.delete(watcher);
          watcher.stopListening?.dispose();
          resolve();
        },
        armed: true,
        stopListening: undefined,
      };
      this.#watchers.add(watcher);
      watcher.stopListening = onAbort(signal, () => {
        this.#watchers.delete(watcher);
        reject(cancellationError(signal as AbortSignal));
      });
    });
  }) as SizeCondition;

  /** Call after the size changed. */
  update(): void {
    const size = this.#size();
    for (const watcher of this.#watchers) {
      if (size >= watcher.limit) {
        watcher.armed = true;
      } else if (watcher.armed) {
        watcher.armed = false;
        try {
          watcher.notify();
        } catch (error) {
          reportError(error);
        }
      }
    }
  }
}
