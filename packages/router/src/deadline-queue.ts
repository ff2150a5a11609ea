import type { Clock, TimerHandle } from '@palisade/core';
import { MAX_TIMER_DELAY, reportError } from '@palisade/core/internal';

/**
 * Something with a deadline in a `DeadlineQueue`: a call, or an attempt with
 * a per-attempt timeout. The queue owns `at` and `lane`.
 */
export interface Timed {
  /** Clock time at which `expire()` runs. */
  at: number;
  /** The lane it waits in; undefined once it expired or was cancelled. */
  lane: object | undefined;
  /** Runs when the deadline passes, unless cancelled first. */
  expire(now: number): void;
}

/**
 * Everything scheduled with one duration, in order of deadline, since they
 * were scheduled in that order: a ring buffer, so that items leaving at the
 * head are released at once.
 */
class Lane {
  readonly duration: number;
  items: (Timed | undefined)[] = new Array(16);
  head = 0;
  count = 0;
  live = 0;

  constructor(duration: number) {
    this.duration = duration;
  }

  push(item: Timed): void {
    if (this.count === this.items.length) this.#grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** The first item still waiting in this lane, after dropping cancelled ones from the head. */
  peek(): Timed | undefined {
    const items = this.items;
    const mask = items.length - 1;
    while (this.count > 0) {
      const item = items[this.head] as Timed;
      if (item.lane === this) return item;
      items[this.head] = undefined;
      this.head = (this.head + 1) & mask;
      this.count--;
    }
    return undefined;
  }

  shift(): void {
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
  }

  /** Drops cancelled items from the whole ring, when they outnumber the live ones. */
  compact(): void {
    const kept: (Timed | undefined)[] = [];
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(this.head + i) & mask] as Timed;
      if (item.lane === this) kept.push(item);
    }
    let capacity = 16;
    while (capacity < kept.length * 2) capacity *= 2;
    this.items = kept.concat(new Array(capacity - kept.length));
    this.head = 0;
    this.count = kept.length;
  }

  #grow(): void {
    const items = this.items;
    const mask = items.length - 1;
    const grown: (Timed | undefined)[] = new Array(items.length * 2);
    for (let i = 0; i < this.count; i++) grown[i] = items[(this.head + i) & mask];
    this.items = grown;
    this.head = 0;
  }
}

const MAX_IDLE_LANES = 16;

/** A Node timer: it can stop and start keeping the process alive. */
interface RefableTimer {
  ref(): void;
  unref(): void;
}

/** Where the platform has it (Node, Bun), runs a callback once the current macrotask and its microtasks are done. */
const afterThisTurn = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

function isRefable(handle: TimerHandle): handle is TimerHandle & RefableTimer {
  return (
    typeof handle === 'object' &&
    typeof (handle as Partial<RefableTimer>).ref === 'function' &&
    typeof (handle as Partial<RefableTimer>).unref === 'function'
  );
}

/**
 * The router's deadlines: one clock timer for all of them, instead of a
 * `setTimeout` and a `clearTimeout` per call.
 *
 * Calls mostly share a few durations (the router's `timeout`, its
 * `attemptTimeout`), and items scheduled with the same duration expire in
 * the order they were scheduled. So each duration gets a FIFO lane:
 * scheduling appends, cancelling clears a field, and the one timer is armed
 * for the earliest head among the lanes. When it fires, expired heads run and
 * cancelled ones are dropped, and it is armed again for the next live head.
 * Deadlines are exact (no rounding to ticks), every operation on a call's
 * path is O(1), and a timer is set about once per deadline period rather
 * than once per call.
 *
 * A lane keeps cancelled items until they reach its head; it is compacted
 * when they outnumber live ones four to one, so memory stays proportional to
 * the items in flight.
 *
 * Cancelling does not clear the timer, so it may fire once with nothing left
 * to do. While nothing is scheduled the timer is unref'd: an idle router never
 * keeps a Node process alive, and a call in flight always does, so it settles
 * by its deadline even in a script with nothing else to wait for. The unref
 * waits for the end of the macrotask in which the queue went idle: in a
 * loop of calls one after another, toggling the timer's ref per call would
 * cost a lookup in Node's timer lists each way, on every call (the router's
 * per-call figures are in bench/RESULTS.md).
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  readonly #lanes = new Map<number, Lane>();
  #lastLane: Lane | undefined;
  #timer: TimerHandle | undefined;
  /** The timer when the platform lets it be unref'd (Node), checked once per timer rather than per call. */
  #refable: RefableTimer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #firing = false;
  #live = 0;
  #unrefPending = false;
  readonly #unrefIfIdle = (): void => {
    this.#unrefPending = false;
    if (this.#live === 0) this.#refable?.unref();
  };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Items scheduled and neither expired nor cancelled. */
  get size(): number {
    return this.#live;
  }

  schedule(item: Timed, duration: number, now: number): void {
    let lane = this.#lastLane;
    if (lane === undefined || lane.duration !== duration) {
      lane = this.#lanes.get(duration);
      if (lane === undefined) {
        lane = new Lane(duration);
        this.#lanes.set(duration, lane);
      }
      this.#lastLane = lane;
    }
    item.at = now + duration;
    item.lane = lane;
    lane.peek();
    lane.push(item);
    lane.live++;
    // Node's ref() does nothing on a timer already ref'd, so only a real change touches its timer lists.
    if (this.#live++ === 0) this.#refable?.ref();
    if (lane.count > 64 && lane.count > 4 * lane.live) lane.compact();
    if (item.at < this.#timerAt && !this.#firing) this.#arm(item.at, now);
  }

  cancel(item: Timed): void {
    const lane = item.lane as Lane | undefined;
    if (lane === undefined) return;
    item.lane = undefined;
    lane.live--;
    if (--this.#live === 0) this.#idle();
  }

  #idle(): void {
    if (this.#refable === undefined || this.#unrefPending) return;
    if (afterThisTurn === undefined) {
      this.#refable.unref();
      return;
    }
    this.#unrefPending = true;
    afterThisTurn(this.#unrefIfIdle);
  }

  /** Stops the timer and forgets every item without expiring it. */
  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#refable = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.values()) {
      for (let item = lane.peek(); item !== undefined; item = lane.peek()) {
        item.lane = undefined;
        lane.live--;
      }
    }
    this.#lanes.clear();
    this.#lastLane = undefined;
    this.#live = 0;
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    // Platform timers take at most 2^31 - 1 ms; a longer deadline is reached in several firings.
    const timer = this.#clock.setTimeout(() => this.#fire(), Math.min(at - now, MAX_TIMER_DELAY));
    this.#timer = timer;
    this.#refable = isRefable(timer) ? timer : undefined;
    if (this.#live === 0) this.#idle();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#refable = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#firing = true;
    let now = this.#clock.now();
    try {
      for (const lane of this.#lanes.values()) {
        for (let item = lane.peek(); item !== undefined && item.at <= now; item = lane.peek()) {
          lane.shift();
          item.lane = undefined;
          lane.live--;
          this.#live--;
          try {
            item.expire(now);
          } catch (error) {
            reportError(error);
          }
          // An expiry may have run user code (listeners); time may have moved on a real clock.
          now = this.#clock.now();
        }
      }
    } finally {
      this.#firing = false;
    }
    // Expiries may have scheduled items into lanes already passed, so look at every head again.
    let next = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.values()) {
      const head = lane.peek();
      if (head !== undefined) next = Math.min(next, head.at);
    }
    this.#dropIdleLanes();
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, now);
  }

  #dropIdleLanes(): void {
    if (this.#lanes.size <= MAX_IDLE_LANES) return;
    for (const [duration, lane] of this.#lanes) {
      if (lane.live === 0 && this.#lanes.size > MAX_IDLE_LANES) {
        this.#lanes.delete(duration);
        if (this.#lastLane === lane) this.#lastLane = undefined;
      }
    }
  }
}
