import type { Action, ChallengeResult, Lesson, TimedAction, World } from './lesson.ts';

/**
 * How often a run checks its challenge, in virtual ms. The checks fall on
 * fixed virtual instants, so when a challenge first passed is part of the
 * run, the same in the browser, in a replay and in the tour.
 */
export const CHALLENGE_CHECK_MS = 250;

export interface LessonRunOptions {
  /** Check the lesson's challenge as the run goes (not in free play in a lesson's world). @default true */
  readonly challenge?: boolean;
  /** Check it against the world without palisade too, for the tour's comparison. @default false */
  readonly baseline?: boolean;
}

/** When a challenge first passed, and what it measured then. */
export interface ChallengePass {
  readonly at: number;
  readonly result: ChallengeResult;
}

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
  readonly #checking: boolean;
  readonly #checkingBaseline: boolean;
  #passed: ChallengePass | undefined;
  #baselinePassed: ChallengePass | undefined;

  /** `actions` are replayed at their times as the run advances. */
  constructor(lesson: Lesson, seed: number, actions: readonly TimedAction[] = [], options: LessonRunOptions = {}) {
    this.lesson = lesson;
    this.seed = seed;
    this.palisade = lesson.createWorld(seed, true);
    this.baseline = lesson.createWorld(seed, false);
    this.#scheduled = [...actions].sort((a, b) => a.at - b.at);
    this.#checking = options.challenge ?? true;
    this.#checkingBaseline = this.#checking && options.baseline === true;
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

  /** Actions still waiting for their time (the rest of a replayed run). */
  get scheduled(): readonly TimedAction[] {
    return this.#scheduled;
  }

  /** When the challenge first passed in this run, and what it measured then. */
  get passed(): ChallengePass | undefined {
    return this.#passed;
  }

  /** The same for the world without palisade, when asked for (`baseline`). */
  get baselinePassed(): ChallengePass | undefined {
    return this.#baselinePassed;
  }

  /**
   * Applies `action` to both worlds now. Returns false, and records nothing,
   * when it changed neither world: a no-op must not clutter a shared link.
   */
  apply(action: Action): boolean {
    let changed = false;
    for (const world of this.worlds) changed = world.apply(action) || changed;
    if (changed) this.#actions.push({ at: this.now(), action });
    return changed;
  }

  /** Drops the scheduled actions: the learner acted, so the rest of the replayed run is no longer what happens. */
  unschedule(): void {
    this.#scheduled.length = 0;
  }

  /**
   * Moves both worlds forward by `ms`, applying scheduled actions exactly at
   * their times and checking the challenge at every checkpoint on the way.
   */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms;
    for (;;) {
      this.#applyDue();
      const now = this.now();
      if (now >= target) break;
      const nextCheck = this.#checking ? (Math.floor(now / CHALLENGE_CHECK_MS) + 1) * CHALLENGE_CHECK_MS : target;
      const next = Math.min(target, nextCheck, this.#scheduled[0]?.at ?? Number.POSITIVE_INFINITY);
      await this.#advanceBoth(next - now);
      if (this.#checking && this.now() === nextCheck) {
        this.#applyDue();
        this.#check();
      }
    }
  }

  /** Runs to the lesson's end, reporting progress from 0 to 1. */
  async runToEnd(onProgress?: (done: number) => void, stepMs = 1000): Promise<void> {
    const end = this.lesson.durationMs;
    while (this.now() < end) {
      await this.advance(Math.min(stepMs, end - this.now()));
      onProgress?.(this.now() / end);
    }
  }

  #applyDue(): void {
    for (let next = this.#scheduled[0]; next !== undefined && next.at <= this.now(); next = this.#scheduled[0]) {
      this.#scheduled.shift();
      this.apply(next.action);
    }
  }

  #check(): void {
    const { challenge } = this.lesson;
    if (this.#passed === undefined) {
      const result = challenge.check(this.palisade);
      if (result.passed) this.#passed = { at: this.now(), result };
    }
    if (this.#checkingBaseline && this.#baselinePassed === undefined) {
      const result = challenge.check(this.baseline);
      if (result.passed) this.#baselinePassed = { at: this.now(), result };
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
