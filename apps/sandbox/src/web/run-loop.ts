import type { Action, ChallengeResult, Lesson, TimedAction, WorldView } from '../lessons/lesson.ts';
import { LessonRun } from '../lessons/run.ts';

/** requestAnimationFrame, injectable so the loop can be tested without a browser. */
export interface FrameScheduler {
  request(callback: (time: number) => void): number;
  cancel(handle: number): void;
  now(): number;
}

export const browserScheduler: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
  now: () => performance.now(),
};

/** One drawn moment of a run. */
export interface Snapshot {
  readonly time: number;
  readonly palisade: WorldView;
  readonly baseline: WorldView;
  readonly challenge: ChallengeResult | undefined;
  readonly actions: readonly TimedAction[];
  readonly playing: boolean;
  readonly speed: number;
  /** The speed actually reached lately: below `speed` when the machine cannot keep up. */
  readonly effectiveSpeed: number;
  /** Set while fast-forwarding to a time: the target. */
  readonly seeking: number | undefined;
  readonly error: string | undefined;
}

export interface RunLoopOptions {
  readonly lesson: Lesson;
  readonly seed: number;
  /** Actions to replay at their times (a shared run). */
  readonly replay?: readonly TimedAction[];
  /** Check the lesson's challenge (not in free play). */
  readonly challenge?: boolean;
  readonly scheduler?: FrameScheduler;
}

/**
 * A frame that arrives late (a background tab, a long garbage collection)
 * must not make the simulation jump: it moves on by at most this much real
 * time, scaled by the speed.
 */
const MAX_REAL_FRAME_MS = 100;
const SEEK_CHUNK_MS = 1_000;
const CHALLENGE_EVERY_MS = 250;
const FRAMES_KEPT = 600;
/**
 * Real time a frame may spend advancing the simulation while playing: at
 * least 10 ms, or 60% of the time since the last frame when frames come
 * slower. Beyond it the run falls behind real time instead of the page
 * freezing: at 10× a busy world simply runs at the speed the machine manages.
 */
const WORK_BUDGET_MS = 10;
const WORK_SHARE = 0.6;
const SPEED_WINDOW = 30;
/**
 * How fast the allowance may grow back after a frame that fit its budget.
 * Growing by a factor, rather than trusting a cost estimate, means one slow
 * frame (a garbage collection, a long render landing inside an advance) can
 * never pin the run at a crawl: from 1 ms a frame it is back to 16 in four
 * frames.
 */
const ALLOWANCE_GROWTH = 2;

/** Timings of the latest frames, in real ms, for the performance test and the curious. */
export interface FrameStats {
  /** Advancing both worlds and reading their views. */
  readonly work: readonly number[];
  /** From the animation frame to React having put the frame on the page (before paint). */
  readonly drawn: readonly number[];
  /** Between animation frames while playing. */
  readonly intervals: readonly number[];
}

/**
 * Drives a LessonRun from animation frames: each frame advances it by the
 * real time that passed times the speed, waits for the advance, then reads
 * both worlds' views. At most one advance is ever in flight; actions wait
 * for it, so both worlds always get an action at the same virtual time,
 * which is also the time the shared link records. Time moves in whole
 * virtual milliseconds, because a link stores whole milliseconds and a
 * replay must apply every action at the very same instant.
 */
export class RunLoop {
  readonly run: LessonRun;
  readonly #work: number[] = [];
  readonly #drawn: number[] = [];
  readonly #intervals: number[] = [];
  #frameStartedAt: number | undefined;
  /** Virtual ms a playing frame may advance: shrunk after a frame that overran its budget, grown back after each that fit. */
  #allowance = Number.POSITIVE_INFINITY;
  /** The work budget of the frame in flight, in real ms. */
  #budget = WORK_BUDGET_MS;
  readonly #recent: { real: number; virtual: number }[] = [];
  readonly #replay: readonly TimedAction[];
  readonly #checkChallenge: boolean;
  readonly #scheduler: FrameScheduler;
  readonly #listeners = new Set<() => void>();
  #pending: Action[] = [];
  #playing = false;
  #speed = 1;
  #stepMs = 0;
  #seekTo: number | undefined;
  #carry = 0;
  #lastFrame: number | undefined;
  #inFlight = false;
  #handle: number | undefined;
  #lastCheck = Number.NEGATIVE_INFINITY;
  #challenge: ChallengeResult | undefined;
  #error: string | undefined;
  #snapshot: Snapshot;
  #actions: readonly TimedAction[] = [];

  constructor(options: RunLoopOptions) {
    this.#replay = options.replay ?? [];
    this.run = new LessonRun(options.lesson, options.seed, this.#replay);
    this.#checkChallenge = options.challenge ?? true;
    this.#scheduler = options.scheduler ?? browserScheduler;
    this.#snapshot = this.#read(true);
  }

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): Snapshot => this.#snapshot;

  /** Starts drawing frames; `stop` and `start` again resume where it was. */
  start(): void {
    if (this.#handle === undefined) this.#handle = this.#scheduler.request(this.#tick);
  }

  stop(): void {
    if (this.#handle !== undefined) this.#scheduler.cancel(this.#handle);
    this.#handle = undefined;
    this.#lastFrame = undefined;
  }

  play(): void {
    this.#playing = true;
    this.#publish();
  }

  pause(): void {
    this.#playing = false;
    this.#carry = 0;
    this.#recent.length = 0;
    // A paused run shows exactly where it stopped: the challenge too, not its last throttled check.
    if (this.#inFlight) this.#publish();
    else {
      this.#snapshot = this.#read(true);
      this.#notify();
    }
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new RangeError(`speed must be above 0, got ${speed}`);
    this.#speed = speed;
    this.#recent.length = 0;
    this.#publish();
  }

  /** Moves on by `ms` virtual time, paused or not. */
  step(ms = 1_000): void {
    this.#stepMs += ms;
  }

  /** Fast-forwards to virtual time `ms` as quickly as the machine allows. */
  seek(ms: number): void {
    if (ms > this.now()) this.#seekTo = Math.round(ms);
  }

  apply(action: Action): void {
    this.#pending.push(action);
  }

  /**
   * The virtual time of the latest frame. Read `run.now()` only between
   * frames: an advance yields to the event loop while it runs, and a reading
   * taken then falls somewhere inside it (and the two worlds may differ).
   */
  now(): number {
    return this.#snapshot.time;
  }

  /** The view calls this once it has committed a snapshot to the page. */
  markDrawn(): void {
    if (this.#frameStartedAt === undefined) return;
    keep(this.#drawn, this.#scheduler.now() - this.#frameStartedAt);
    this.#frameStartedAt = undefined;
  }

  stats(): FrameStats {
    return { work: [...this.#work], drawn: [...this.#drawn], intervals: [...this.#intervals] };
  }

  /**
   * What a link must carry to replay this run: what happened so far, plus
   * what a replay has yet to apply.
   */
  shareActions(): TimedAction[] {
    const now = this.now();
    return [...this.run.actions, ...this.#replay.filter((timed) => timed.at > now)];
  }

  readonly #tick = (time: number): void => {
    this.#handle = this.#scheduler.request(this.#tick);
    if (this.#inFlight) return;
    const real = this.#lastFrame === undefined ? 0 : Math.min(time - this.#lastFrame, MAX_REAL_FRAME_MS);
    if (this.#lastFrame !== undefined && this.#playing) keep(this.#intervals, time - this.#lastFrame);
    this.#lastFrame = time;
    let virtual = this.#stepMs;
    this.#stepMs = 0;
    if (this.#seekTo !== undefined) {
      virtual += Math.min(SEEK_CHUNK_MS, this.#seekTo - this.run.now());
    } else if (this.#playing) {
      this.#carry += real * this.#speed;
    }
    let whole = Math.floor(this.#carry);
    this.#carry -= whole;
    this.#budget = Math.max(WORK_BUDGET_MS, real * WORK_SHARE);
    if (whole > this.#allowance) {
      whole = this.#allowance;
      this.#carry = 0;
    }
    if (this.#playing && this.#seekTo === undefined) {
      this.#recent.push({ real, virtual: whole });
      if (this.#recent.length > SPEED_WINDOW) this.#recent.shift();
    }
    virtual += whole;
    if (virtual <= 0 && this.#pending.length === 0) return;
    this.#inFlight = true;
    this.#frameStartedAt = time;
    this.#frame(virtual).finally(() => {
      this.#inFlight = false;
    });
  };

  async #frame(virtual: number): Promise<void> {
    const started = this.#scheduler.now();
    try {
      const actions = this.#pending;
      this.#pending = [];
      for (const action of actions) this.run.apply(action);
      if (virtual > 0) {
        const advanceStarted = this.#scheduler.now();
        await this.run.advance(virtual);
        // Only the advance scales with virtual time; reading the views costs the same however far it went.
        this.#adjustAllowance(virtual, this.#scheduler.now() - advanceStarted);
      }
      if (this.#seekTo !== undefined && this.run.now() >= this.#seekTo) this.#seekTo = undefined;
      this.#snapshot = this.#read(actions.length > 0 || !this.#playing || this.#seekTo !== undefined);
    } catch (error) {
      // A failing world stops the run where it is rather than drawing nonsense.
      this.#playing = false;
      this.#seekTo = undefined;
      this.#error = error instanceof Error ? error.message : String(error);
      console.error(error);
      this.#snapshot = { ...this.#snapshot, playing: false, seeking: undefined, error: this.#error };
    }
    keep(this.#work, this.#scheduler.now() - started);
    this.#notify();
  }

  /**
   * An advance of `virtual` ms took `took` real ms. The time measured also
   * holds whatever the browser ran while the advance waited between timers
   * (rendering, other tasks), so it is only a rough cost: a frame over budget
   * shrinks the allowance in proportion, and every frame that fits lets it
   * grow again, at most doubling, so no estimate can stick.
   */
  #adjustAllowance(virtual: number, took: number): void {
    const fits = took <= 0 ? Number.POSITIVE_INFINITY : Math.floor((virtual * this.#budget) / took);
    if (took > this.#budget) this.#allowance = Math.max(1, fits);
    else if (virtual >= this.#allowance)
      this.#allowance = Math.max(this.#allowance + 1, Math.min(this.#allowance * ALLOWANCE_GROWTH, fits));
  }

  #read(checkNow: boolean): Snapshot {
    const now = this.#scheduler.now();
    // Some challenges scan the whole request log; a few checks a second are plenty for a person.
    if (this.#checkChallenge && (checkNow || now - this.#lastCheck >= CHALLENGE_EVERY_MS)) {
      this.#lastCheck = now;
      this.#challenge = this.run.lesson.challenge.check(this.run.palisade);
    }
    return {
      time: this.run.now(),
      palisade: this.run.palisade.view(),
      baseline: this.run.baseline.view(),
      challenge: this.#challenge,
      actions: this.#actionList(),
      playing: this.#playing,
      speed: this.#speed,
      effectiveSpeed: this.#effectiveSpeed(),
      seeking: this.#seekTo,
      error: this.#error,
    };
  }

  #effectiveSpeed(): number {
    let real = 0;
    let virtual = 0;
    for (const frame of this.#recent) {
      real += frame.real;
      virtual += frame.virtual;
    }
    return real === 0 ? this.#speed : virtual / real;
  }

  /** The same array until an action is added, so views of it can skip re-rendering. */
  #actionList(): readonly TimedAction[] {
    if (this.#actions.length !== this.run.actions.length) this.#actions = [...this.run.actions];
    return this.#actions;
  }

  #publish(): void {
    this.#snapshot = {
      ...this.#snapshot,
      playing: this.#playing,
      speed: this.#speed,
      effectiveSpeed: this.#speed,
      seeking: this.#seekTo,
    };
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

function keep(list: number[], value: number): void {
  list.push(value);
  if (list.length > FRAMES_KEPT) list.shift();
}
