import type { Clock, TimerHandle } from '@palisade/core';

/**
 * The clock the per-endpoint breakers read. While the router reports an
 * outcome or asks for a permit it has just read the real clock, so it lends
 * that reading: a breaker with a time-window rule then reads it instead of
 * the clock, which saves a `Date.now()` per call (a third of the router's
 * clock reads). Outside those moments it reads the clock as usual. Timers go
 * straight to the clock.
 */
export class LentClock implements Clock {
  readonly #clock: Clock;
  #lent = 0;
  #lending = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  now(): number {
    return this.#lending ? this.#lent : this.#clock.now();
  }

  /** Until `end()`, `now()` returns `time`. */
  lend(time: number): void {
    this.#lent = time;
    this.#lending = true;
  }

  end(): void {
    this.#lending = false;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#clock.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#clock.clearTimeout(handle);
  }
}
