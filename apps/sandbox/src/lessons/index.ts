import { bankBranchesLesson } from './bank-branches.ts';
import type { Lesson } from './lesson.ts';
import { securityLesson } from './security.ts';

/** The lessons, in order. */
export const lessons: readonly Lesson[] = [securityLesson, bankBranchesLesson].sort((a, b) => a.number - b.number);

export function lessonByNumber(number: number): Lesson | undefined {
  return lessons.find((lesson) => lesson.number === number);
}
