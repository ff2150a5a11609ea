import { describe, expect, it } from 'vitest';
import { lessons } from '../lessons/index.ts';
import { scriptOf } from '../lessons/lesson.ts';
import { formatTourResult, worseRows } from './format.ts';
import { tourLesson } from './tour.ts';

describe('the tour', () => {
  it.each(lessons.map((lesson) => [lesson.number, lesson] as const))(
    'lesson %i: the scripted run (the steps, at their times) meets the challenge, not before its window, and only with palisade',
    async (_number, lesson) => {
      expect(lesson.script).toEqual(scriptOf(lesson.steps));
      const result = await tourLesson(lesson, 1);
      const opened = lesson.steps[lesson.challenge.startsAtStep]?.action?.at;
      expect(opened, 'the step that starts the challenge has an action').toBeDefined();
      expect(result.passed, result.challenge.measured).toBeDefined();
      expect(result.passed?.at).toBeGreaterThanOrEqual((opened as number) + lesson.challenge.windowMs);
      expect(result.passed?.at).toBeLessThanOrEqual(lesson.durationMs);
      expect(result.baselinePassed).toBeUndefined();
      // Every figure where palisade looks worse comes with its reason.
      for (const key of worseRows(result.palisade, result.baseline)) {
        expect(lesson.tradeOffs[key], `lesson ${lesson.number} explains its ${key}`).toMatch(/\w{3,}.*\./);
      }
      const table = formatTourResult(result);
      expect(table).toContain(`met at `);
      expect(table).not.toContain('not explained yet');
    },
    60_000,
  );
});
