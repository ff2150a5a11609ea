import { attackSurfaceLesson } from './attack-surface.ts';
import { bankBranchesLesson } from './bank-branches.ts';
import { decentralizedDatabaseLesson } from './decentralized-database.ts';
import { faultToleranceLesson } from './fault-tolerance.ts';
import { freePlayLesson } from './free-play.ts';
import { howTheyRelateLesson } from './how-they-relate.ts';
import type { Lesson } from './lesson.ts';
import { scalabilityLesson } from './scalability.ts';
import { secureByDesignLesson } from './secure-by-design.ts';
import { securityLesson } from './security.ts';

/** The lessons, in order. */
export const lessons: readonly Lesson[] = [
  scalabilityLesson,
  faultToleranceLesson,
  securityLesson,
  howTheyRelateLesson,
  decentralizedDatabaseLesson,
  attackSurfaceLesson,
  bankBranchesLesson,
  secureByDesignLesson,
].sort((a, b) => a.number - b.number);

/** Free play: every control, no script. Its number is 0. */
export const freePlay: Lesson = freePlayLesson;

/** A lesson by number, free play included (0). */
export function lessonByNumber(number: number): Lesson | undefined {
  return number === freePlay.number ? freePlay : lessons.find((lesson) => lesson.number === number);
}
