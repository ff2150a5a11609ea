import { type Random, seededRandom, type TimerHandle, VirtualClock } from '@palisade/core';

export interface SimulationOptions {
  /** One seed and one list of actions always give the same run. */
  readonly seed: number;
}

/** Stops a scheduled callback. */
export type Cancel = () => void;

/**
 * The world's clock and dice. Everything in a run takes time from `clock`
 * and randomness from a named `stream`, so a run is a pure function of its
 * seed and its actions.
 */
export class Simulation {
  readonly seed: number;
  readonly clock: VirtualClock;
  readonly #streams = new Map<string, Random>();

  constructor({ seed }: SimulationOptions) {
    this.seed = seed;
    this.clock = new VirtualClock();
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * An independent random stream per concern ("load", "network", …). The run
   * with palisade and the run without it must see the same load, even though
   * palisade draws random numbers (jitter, P2C picks) that the baseline does
   * not: separate streams keep one from shifting the other.
   */
  stream(name: string): Random {
    let random = this.#streams.get(name);
    if (random === undefined) {
      random = seededRandom((this.seed ^ hashName(name)) >>> 0);
      this.#streams.set(name, random);
    }
    return random;
  }

  after(ms: number, callback: () => void): Cancel {
    const handle = this.clock.setTimeout(callback, ms);
    return () => this.clock.clearTimeout(handle);
  }

  /** Calls `callback` every `periodMs`, first after one period. */
  every(periodMs: number, callback: () => void): Cancel {
    const tick = (): void => {
      handle = this.clock.setTimeout(tick, periodMs);
      callback();
    };
    let handle: TimerHandle = this.clock.setTimeout(tick, periodMs);
    return () => this.clock.clearTimeout(handle);
  }

  /** Moves virtual time forward, letting everything due happen. */
  run(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }
}

/** FNV-1a: stable across platforms, so stream seeds are too. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
