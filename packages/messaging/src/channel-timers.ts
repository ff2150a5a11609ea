import type { Clock, TimerHandle } from '@palisade/core';

/** A channel's timers on its clock, so that closing it can cancel every one that is still pending. */
export class ChannelTimers {
  readonly #clock: Clock;
  readonly #pending = new Set<TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  set(callback: () => void, ms: number): TimerHandle {
    const handle = this.#clock.setTimeout(() => {
      this.#pending.delete(handle);
      callback();
    }, ms);
    this.#pending.add(handle);
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.#pending.delete(handle);
    this.#clock.clearTimeout(handle);
  }

  clearAll(): void {
    for (const handle of this.#pending) this.#clock.clearTimeout(handle);
    this.#pending.clear();
  }
}
