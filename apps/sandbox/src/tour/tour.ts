import type { ChallengeResult, Lesson, TourRow } from '../lessons/lesson.ts';
import { LessonRun } from '../lessons/run.ts';

export interface TourResult {
  readonly lesson: Lesson;
  readonly palisade: TourRow;
  readonly baseline: TourRow;
  /** When the challenge first passed in the scripted run, with palisade and without, and what it measured then. */
  readonly passed: { readonly at: number; readonly result: ChallengeResult } | undefined;
  readonly baselinePassed: { readonly at: number; readonly result: ChallengeResult } | undefined;
  /** The challenge at the end of the run, for each side. */
  readonly challenge: ChallengeResult;
  readonly baselineChallenge: ChallengeResult;
  /** Real time the scripted run took, both worlds together. */
  readonly elapsedMs: number;
}

/** Plays a lesson's scripted run in virtual time, with and without palisade. */
export async function tourLesson(
  lesson: Lesson,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<TourResult> {
  const started = performance.now();
  const run = new LessonRun(lesson, seed, lesson.script, { baseline: true });
  await run.runToEnd(onProgress);
  return {
    lesson,
    palisade: lesson.tourRow(run.palisade),
    baseline: lesson.tourRow(run.baseline),
    passed: run.passed,
    baselinePassed: run.baselinePassed,
    challenge: lesson.challenge.check(run.palisade),
    baselineChallenge: lesson.challenge.check(run.baseline),
    elapsedMs: performance.now() - started,
  };
}
