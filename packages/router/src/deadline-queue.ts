import type { Clock, TimerHandle } from '@palisade/core';

/**
 * Something with a deadline in a `DeadlineQueue`: a call, or an attempt with
 * a per-attempt timeout. The queue owns `at` and `lane`.
 */
export abstract class Timed {
  /** Clock time at which `expire()` runs. */
  at = 0;
  /** The lane it waits in; undefined once it expired or was cancelled. */
  lane: Lane | undefined;
  /** Runs when the deadline passes, unless cancelled first. */
  abstract expire(now: number): void;
}

/** Everything scheduled with one duration, in order of deadline, since they were scheduled in that order. */
class Lane {
  readonly duration: number;
  items: Timed[] = [];
  head = 0;
  live = 0;

  constructor(duration: number) {
    this.duration = duration;
  }
}

const MAX_IDLE_LANES = 16;

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
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  readonly #lanes = new Map<number, Lane>();
  #lastLane: Lane | undefined;
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #firing = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Items scheduled and neither expired nor cancelled. */
  get size(): number {
    let live = 0;
    for (const lane of this.#lanes.values()) live += lane.live;
    return live;
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
    lane.items.push(item);
    lane.live++;
    const items = lane.items;
    while (lane.head < items.length && (items[lane.head] as Timed).lane !== lane) lane.head++;
    const pending = items.length - lane.head;
    if (pending > 64 && pending > 4 * lane.live) this.#compact(lane);
    if (item.at < this.#timerAt && !this.#firing) this.#arm(item.at, now);
  }

  cancel(item: Timed): void {
    const lane = item.lane;
    if (lane === undefined) return;
    item.lane = undefined;
    lane.live--;
  }

  /** Stops the timer and forgets every item without expiring it. */
  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.values()) for (const item of lane.items) item.lane = undefined;
    this.#lanes.clear();
    this.#lastLane = undefined;
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), at - now);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#firing = true;
    let now = this.#clock.now();
    try {
      for (const lane of this.#lanes.values()) {
        const items = lane.items;
        while (lane.head < items.length) {
          const item = items[lane.head] as Timed;
          if (item.lane !== lane) {
            lane.head++;
            continue;
          }
          if (item.at > now) break;
          lane.head++;
          item.lane = undefined;
          lane.live--;
          item.expire(now);
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
      const items = lane.items;
      while (lane.head < items.length && (items[lane.head] as Timed).lane !== lane) lane.head++;
      if (lane.head < items.length) next = Math.min(next, (items[lane.head] as Timed).at);
      if (lane.head === items.length) {
        lane.items = [];
        lane.head = 0;
      } else if (lane.head > 1_024 && lane.head * 2 > items.length) {
        lane.items = items.slice(lane.head);
        lane.head = 0;
      }
    }
    this.#dropIdleLanes();
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, now);
  }

  #compact(lane: Lane): void {
    lane.items = lane.items.filter((item, index) => index >= lane.head && item.lane === lane);
    lane.head = 0;
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
