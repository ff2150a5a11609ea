import type { Action, ChallengeResult, Lesson, TimedAction, WorldView } from '../lessons/lesson.ts';
import { LessonRun } from '../lessons/run.ts';

/** requestAnimationFrame, injectable so the loop can be tested without a browser. */
export interface FrameScheduler {
  request(callback: (time: number) => void): number;
  cancel(handle: number): void;
  now(): number;
  /**
   * Resolves once the browser has drawn the frame the animation frame
   * callback belongs to. Measuring an advance from then keeps the painting
   * out of its cost.
   */
  afterPaint?(): Promise<void>;
}

/** A task posted from an animation frame callback runs after that frame has been rendered. */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

export const browserScheduler: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
  now: () => performance.now(),
  afterPaint,
};

/** One drawn moment of a run. */
export interface Snapshot {
  readonly time: number;
  readonly palisade: WorldView;
  readonly baseline: WorldView;
  /** The challenge as measured now, on each side. */
  readonly challenge: ChallengeResult | undefined;
  readonly baselineChallenge: ChallengeResult | undefined;
  /** When the challenge first passed in this run (it is checked at fixed virtual instants). */
  readonly passedAt: number | undefined;
  /** What has been done so far, with its times. */
  readonly actions: readonly TimedAction[];
  /** What a replayed or rewound run has yet to do. */
  readonly scheduled: readonly TimedAction[];
  /** The furthest moment this run has reached: where the timeline ends. */
  readonly furthest: number;
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
/** Seeking advances in chunks, as many as fit in this much real time per frame, so the page stays responsive. */
const SEEK_CHUNK_MS = 500;
const SEEK_BUDGET_MS = 40;
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
  /** From the start of the frame's work (the previous frame painted) to React having put the frame on the page. */
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
 *
 * Runs are deterministic, so going back in time is replaying: `scrubTo` an
 * earlier moment starts the same run again, with everything recorded so
 * far, and fast-forwards to it. The recorded future then plays out again,
 * unless the learner acts, which starts a new future from that moment.
 */
export class RunLoop {
  readonly #lesson: Lesson;
  readonly #seed: number;
  #run: LessonRun;
  readonly #work: number[] = [];
  readonly #drawn: number[] = [];
  readonly #intervals: number[] = [];
  #frameStartedAt: number | undefined;
  /** Virtual ms a playing frame may advance: shrunk after a frame that overran its budget, grown back after each that fit. */
  #allowance = Number.POSITIVE_INFINITY;
  /** The work budget of the frame in flight, in real ms. */
  #budget = WORK_BUDGET_MS;
  readonly #recent: { real: number; virtual: number }[] = [];
  readonly #checkChallenge: boolean;
  readonly #scheduler: FrameScheduler;
  readonly #listeners = new Set<() => void>();
  #pending: Action[] = [];
  #playing = false;
  #speed = 1;
  #stepMs = 0;
  #seekTo: number | undefined;
  /** A rewind waiting for the advance in flight: start the run again and seek here. */
  #rewindTo: number | undefined;
  #carry = 0;
  #lastFrame: number | undefined;
  #inFlight = false;
  #handle: number | undefined;
  #lastCheck = Number.NEGATIVE_INFINITY;
  #challenge: ChallengeResult | undefined;
  #baselineChallenge: ChallengeResult | undefined;
  #error: string | undefined;
  #furthest = 0;
  #snapshot: Snapshot;
  #actions: readonly TimedAction[] = [];
  #scheduled: readonly TimedAction[] = [];

  constructor(options: RunLoopOptions) {
    this.#lesson = options.lesson;
    this.#seed = options.seed;
    this.#checkChallenge = options.challenge ?? true;
    this.#run = this.#newRun(options.replay ?? []);
    this.#scheduler = options.scheduler ?? browserScheduler;
    this.#snapshot = this.#read(true);
  }

  /** The run being drawn; a rewind replaces it with a fresh replay of the same run. */
  get run(): LessonRun {
    return this.#run;
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
    this.#publish();
  }

  /**
   * Moves to virtual time `ms`, forwards or back. Back means replaying the
   * run from the start with what has been recorded, as fast as the machine
   * allows; the rest of the recording plays on from there.
   */
  scrubTo(ms: number): void {
    const target = Math.max(0, Math.round(ms));
    if (target >= this.now() && this.#rewindTo === undefined) {
      this.seek(target);
      return;
    }
    this.#rewindTo = target;
    this.#seekTo = target;
    this.#publish();
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

  /** What a link must carry to replay this run: what happened so far, and what the recording has yet to do. */
  shareActions(): TimedAction[] {
    return [...this.#snapshot.actions, ...this.#snapshot.scheduled];
  }

  readonly #tick = (time: number): void => {
    this.#handle = this.#scheduler.request(this.#tick);
    if (this.#inFlight) return;
    const real = this.#lastFrame === undefined ? 0 : Math.min(time - this.#lastFrame, MAX_REAL_FRAME_MS);
    if (this.#lastFrame !== undefined && this.#playing) keep(this.#intervals, time - this.#lastFrame);
    this.#lastFrame = time;
    if (this.#rewindTo !== undefined) this.#rewind();
    let virtual = this.#stepMs;
    this.#stepMs = 0;
    if (this.#seekTo === undefined && this.#playing) this.#carry += real * this.#speed;
    let whole = this.#seekTo === undefined ? Math.floor(this.#carry) : 0;
    this.#carry -= whole;
    this.#budget = Math.max(WORK_BUDGET_MS, real * WORK_SHARE);
    if (whole > this.#allowance) {
      // What does not fit waits for the next frame, but at most one frame's worth: a run that cannot
      // keep up falls behind real time rather than piling up a debt.
      this.#carry = Math.min(this.#carry + whole - this.#allowance, this.#allowance);
      whole = this.#allowance;
    }
    if (this.#playing && this.#seekTo === undefined) {
      this.#recent.push({ real, virtual: whole });
      if (this.#recent.length > SPEED_WINDOW) this.#recent.shift();
    }
    virtual += whole;
    if (virtual <= 0 && this.#pending.length === 0 && this.#seekTo === undefined) return;
    this.#inFlight = true;
    this.#frameStartedAt = time;
    this.#frame(virtual).finally(() => {
      this.#inFlight = false;
    });
  };

  /** Starts the run again with everything recorded, to seek to an earlier moment. */
  #rewind(): void {
    const recording = [...this.#run.actions, ...this.#run.scheduled];
    this.#run = this.#newRun(recording);
    this.#rewindTo = undefined;
    this.#pending = [];
    this.#carry = 0;
  }

  #newRun(replay: readonly TimedAction[]): LessonRun {
    return new LessonRun(this.#lesson, this.#seed, replay, { challenge: this.#checkChallenge });
  }

  async #frame(virtual: number): Promise<void> {
    // The actions of this frame are those asked for before it began.
    const actions = this.#pending;
    this.#pending = [];
    // The browser draws the frame right after the animation frame callbacks; the work starts once it has.
    if (this.#scheduler.afterPaint !== undefined) {
      await this.#scheduler.afterPaint();
      this.#frameStartedAt = this.#scheduler.now();
    }
    const started = this.#scheduler.now();
    try {
      for (const action of actions) {
        // The learner took over: what a replay had yet to do no longer happens.
        if (this.#run.apply(action)) this.#run.unschedule();
      }
      if (virtual > 0) {
        const advanceStarted = this.#scheduler.now();
        await this.#run.advance(virtual);
        // Only the advance scales with virtual time; reading the views costs the same however far it went.
        this.#adjustAllowance(virtual, this.#scheduler.now() - advanceStarted);
      }
      if (this.#seekTo !== undefined) await this.#seekChunks(started);
      this.#furthest = Math.max(this.#furthest, this.#run.now());
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

  /** Seeking: chunks until the target or the frame's real-time budget, whichever comes first. */
  async #seekChunks(started: number): Promise<void> {
    for (;;) {
      const target = this.#seekTo;
      if (target === undefined) return;
      const left = target - this.#run.now();
      if (left <= 0) {
        this.#seekTo = undefined;
        return;
      }
      if (this.#scheduler.now() - started >= SEEK_BUDGET_MS) return;
      await this.#run.advance(Math.min(SEEK_CHUNK_MS, left));
    }
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
    // Some challenges scan the recent request log; a few checks a second are plenty for a person.
    if (this.#checkChallenge && (checkNow || now - this.#lastCheck >= CHALLENGE_EVERY_MS)) {
      this.#lastCheck = now;
      this.#challenge = this.#lesson.challenge.check(this.#run.palisade);
      this.#baselineChallenge = this.#lesson.challenge.check(this.#run.baseline);
    }
    return {
      time: this.#run.now(),
      palisade: this.#run.palisade.view(),
      baseline: this.#run.baseline.view(),
      challenge: this.#challenge,
      baselineChallenge: this.#baselineChallenge,
      passedAt: this.#run.passed?.at,
      actions: this.#actionList(),
      scheduled: this.#scheduledList(),
      furthest: this.#furthest,
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
    const actions = this.#run.actions;
    if (this.#actions.length !== actions.length || this.#actions.at(-1) !== actions.at(-1))
      this.#actions = [...actions];
    return this.#actions;
  }

  #scheduledList(): readonly TimedAction[] {
    const scheduled = this.#run.scheduled;
    if (this.#scheduled.length !== scheduled.length || this.#scheduled[0] !== scheduled[0])
      this.#scheduled = [...scheduled];
    return this.#scheduled;
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
