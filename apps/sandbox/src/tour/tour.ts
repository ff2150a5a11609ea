import type { ChallengeResult, Lesson, TourRow } from '../lessons/lesson.ts';
import { LessonRun } from '../lessons/run.ts';

export interface TourResult {
  readonly lesson: Lesson;
  readonly palisade: TourRow;
  readonly baseline: TourRow;
  readonly challenge: ChallengeResult;
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
  const run = new LessonRun(lesson, seed, lesson.script);
  await run.runToEnd(onProgress);
  return {
    lesson,
    palisade: lesson.tourRow(run.palisade),
    baseline: lesson.tourRow(run.baseline),
    challenge: lesson.challenge.check(run.palisade),
    elapsedMs: performance.now() - started,
  };
}
