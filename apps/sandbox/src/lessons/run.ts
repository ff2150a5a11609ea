import type { Action, Lesson, TimedAction, World } from './lesson.ts';

/**
 * A lesson in progress: the world with palisade and the same world without
 * it, driven in lockstep by the same seed and the same actions. The actions
 * are recorded with their times, so the run can be shared and replayed.
 */
export class LessonRun {
  readonly lesson: Lesson;
  readonly seed: number;
  readonly palisade: World;
  readonly baseline: World;
  readonly #actions: TimedAction[] = [];
  readonly #scheduled: TimedAction[];

  /** `actions` are replayed at their times as the run advances. */
  constructor(lesson: Lesson, seed: number, actions: readonly TimedAction[] = []) {
    this.lesson = lesson;
    this.seed = seed;
    this.palisade = lesson.createWorld(seed, true);
    this.baseline = lesson.createWorld(seed, false);
    this.#scheduled = [...actions].sort((a, b) => a.at - b.at);
  }

  get worlds(): readonly World[] {
    return [this.palisade, this.baseline];
  }

  now(): number {
    return this.palisade.now();
  }

  /** The actions applied so far, with their times: what a shared URL carries. */
  get actions(): readonly TimedAction[] {
    return this.#actions;
  }

  /** Applies `action` to both worlds now. */
  apply(action: Action): void {
    this.#actions.push({ at: this.now(), action });
    for (const world of this.worlds) world.apply(action);
  }

  /** Moves both worlds forward by `ms`, applying scheduled actions exactly at their times. */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms;
    for (let next = this.#scheduled[0]; next !== undefined && next.at <= target; next = this.#scheduled[0]) {
      this.#scheduled.shift();
      await this.#advanceBoth(next.at - this.now());
      this.apply(next.action);
    }
    await this.#advanceBoth(target - this.now());
  }

  /** Runs to the lesson's end, reporting progress from 0 to 1. */
  async runToEnd(onProgress?: (done: number) => void, stepMs = 1000): Promise<void> {
    const end = this.lesson.durationMs;
    while (this.now() < end) {
      await this.advance(Math.min(stepMs, end - this.now()));
      onProgress?.(this.now() / end);
    }
  }

  async #advanceBoth(ms: number): Promise<void> {
    if (ms <= 0) return;
    await Promise.all([this.palisade.advance(ms), this.baseline.advance(ms)]);
  }
}

/** What a shared URL holds. */
export interface RunSpec {
  readonly lesson: number;
  readonly seed: number;
  readonly actions: readonly TimedAction[];
}

export function encodeRun(spec: RunSpec): string {
  const json = JSON.stringify([spec.lesson, spec.seed, spec.actions.map((a) => [Math.round(a.at), a.action])]);
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** Undefined for anything that is not a run this app wrote. */
export function decodeRun(encoded: string): RunSpec | undefined {
  try {
    const binary = atob(encoded.replaceAll('-', '+').replaceAll('_', '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
    const [lesson, seed, actions] = JSON.parse(json) as [unknown, unknown, unknown];
    if (!Number.isInteger(lesson) || !Number.isInteger(seed) || !Array.isArray(actions)) return undefined;
    const timed = actions.map((entry: unknown) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1]?.type !== 'string')
        throw new Error();
      return { at: entry[0], action: entry[1] as Action };
    });
    return { lesson: lesson as number, seed: seed as number, actions: timed };
  } catch {
    return undefined;
  }
}
