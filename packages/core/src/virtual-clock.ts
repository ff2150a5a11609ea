import { type Clock, checkDelay, type TimerHandle } from './clock.js';
import { InvalidArgumentError, PalisadeError } from './errors.js';
import { nextMacrotask } from './next-macrotask.js';
import { integerOption, numberOption, optionsObject } from './validate.js';

/** Options of `new VirtualClock()`. */
export interface VirtualClockOptions {
  /** The clock's start time in milliseconds. @default 0 */
  readonly now?: number;
  /**
   * How many timers one `runAll()` may fire before it gives up: a guard
   * against timers that reschedule themselves forever.
   * @default 100_000
   */
  readonly runAllLimit?: number;
}

/** `advance` was called while another `advance` or `runAll` had not finished. */
export class ClockReentrancyError extends PalisadeError {
  override readonly name: string = 'ClockReentrancyError';
  declare readonly code: 'ERR_PALISADE_CLOCK_REENTRANT';

  constructor() {
    super(
      'ERR_PALISADE_CLOCK_REENTRANT',
      'The virtual clock is already advancing. Await the running advance()/runAll() before starting another, and do not call them from a timer callback.',
    );
  }
}

/** `runAll()` fired its limit of timers and timers were still pending. */
export class ClockRunawayError extends PalisadeError {
  override readonly name: string = 'ClockRunawayError';
  declare readonly code: 'ERR_PALISADE_CLOCK_RUNAWAY';
  readonly limit: number;

  constructor(limit: number) {
    super(
      'ERR_PALISADE_CLOCK_RUNAWAY',
      `runAll() fired ${limit} timers and timers are still pending; something reschedules itself forever. Use advance(ms) for recurring timers, or raise the runAllLimit option.`,
    );
    this.limit = limit;
  }
}

interface VirtualTimer {
  readonly at: number;
  readonly seq: number;
  callback: (() => void) | undefined;
}

/**
 * A deterministic clock for tests and simulations. Time moves only when you
 * call `advance`, `advanceTo` or `runAll`. Timers fire in order of due time,
 * and timers due at the same time fire in the order they were set. After each
 * firing the clock waits one macrotask, so the promise chains the timer
 * started settle before the next timer fires, just as they would on real
 * timers, but without any real waiting.
 */
export class VirtualClock implements Clock {
  readonly #runAllLimit: number;
  #now: number;
  #seq = 0;
  #live = 0;
  #advancing = false;
  /** A binary min-heap on (at, seq). Cleared timers stay in it until popped or compacted. */
  #heap: VirtualTimer[] = [];

  constructor(options?: VirtualClockOptions) {
    const { now = 0, runAllLimit = 100_000 } = optionsObject('options', options);
    this.#now = numberOption('now', now, { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    this.#runAllLimit = integerOption('runAllLimit', runAllLimit, { min: 1 });
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    if (typeof callback !== 'function') throw new InvalidArgumentError('callback', 'a function', callback);
    const timer: VirtualTimer = { at: this.#now + checkDelay(ms), seq: this.#seq++, callback };
    this.#push(timer);
    this.#live++;
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Partial<VirtualTimer>;
    if (typeof timer !== 'object' || timer === null || timer.callback === undefined) return;
    timer.callback = undefined;
    this.#live--;
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#live) this.#compact();
  }

  /** How many timers are set and have neither fired nor been cleared. */
  get pendingTimers(): number {
    return this.#live;
  }

  /** When the next pending timer is due, or undefined when none is. */
  nextTimerAt(): number | undefined {
    return this.#peekLive()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way.
   * Resolves once time has reached `now() + ms` and the promise chains started
   * by the fired timers have settled. If a timer callback throws, the returned
   * promise rejects with that error and time stays at that timer.
   */
  advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(new InvalidArgumentError('ms', 'a finite number ≥ 0', ms));
    }
    return this.#run(this.#now + ms, Number.POSITIVE_INFINITY);
  }

  /** Like `advance`, to an absolute time that is not in the past. */
  advanceTo(time: number): Promise<void> {
    if (typeof time !== 'number' || !Number.isFinite(time) || time < this.#now) {
      return Promise.reject(new InvalidArgumentError('time', `a finite time ≥ now() (${this.#now})`, time));
    }
    return this.#run(time, Number.POSITIVE_INFINITY);
  }

  /**
   * Fires timers, and the timers they set, until none is pending. Time ends at
   * the last timer that fired. Rejects with `ClockRunawayError` past the
   * `runAllLimit`.
   */
  runAll(): Promise<void> {
    return this.#run(Number.POSITIVE_INFINITY, this.#runAllLimit);
  }

  async #run(target: number, limit: number): Promise<void> {
    if (this.#advancing) throw new ClockReentrancyError();
    this.#advancing = true;
    try {
      // Work that was already in flight may set timers before we look.
      await nextMacrotask();
      let fired = 0;
      for (let timer = this.#peekLive(); timer !== undefined && timer.at <= target; timer = this.#peekLive()) {
        if (fired++ >= limit) throw new ClockRunawayError(limit);
        this.#pop();
        const callback = timer.callback as () => void;
        timer.callback = undefined;
        this.#live--;
        this.#now = timer.at;
        callback();
        await nextMacrotask();
      }
      if (Number.isFinite(target)) this.#now = target;
    } finally {
      this.#advancing = false;
    }
  }

  #peekLive(): VirtualTimer | undefined {
    let top = this.#heap[0];
    while (top !== undefined && top.callback === undefined) {
      this.#pop();
      top = this.#heap[0];
    }
    return top;
  }

  #compact(): void {
    const live = this.#heap.filter((timer) => timer.callback !== undefined);
    this.#heap = [];
    for (const timer of live) this.#push(timer);
  }

  #push(timer: VirtualTimer): void {
    const heap = this.#heap;
    let index = heap.push(timer) - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as VirtualTimer;
      if (!isEarlier(timer, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = timer;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && isEarlier(heap[right] as VirtualTimer, heap[left] as VirtualTimer) ? right : left;
      const childTimer = heap[child] as VirtualTimer;
      if (!isEarlier(childTimer, last)) break;
      heap[index] = childTimer;
      index = child;
    }
    heap[index] = last;
  }
}

function isEarlier(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
