import { describe, expect, it } from 'vitest';
import { lessons } from './index.ts';
import { LessonRun } from './run.ts';

/**
 * The app draws every world about 60 times a second and checks the
 * challenge a few times a second, and a shared link replays a run in a
 * different number of steps. So looking at a world must never change it: a
 * run watched at every step ends exactly like one never watched.
 */
describe('world views', () => {
  it.each(lessons.map((lesson) => [lesson.number, lesson] as const))(
    'lesson %i: view() and the challenge check never change the run',
    async (_number, lesson) => {
      const outcome = async (watch: boolean) => {
        const run = new LessonRun(lesson, 1, lesson.script);
        const until = Math.min(lesson.durationMs, 12_000);
        while (run.now() < until) {
          await run.advance(250);
          if (watch) {
            for (const world of run.worlds) {
              world.view();
              lesson.challenge.check(world);
            }
          }
        }
        return JSON.stringify(run.worlds.map((world) => [world.view().counters, world.view().series]));
      };
      expect(await outcome(true)).toBe(await outcome(false));
    },
    60_000,
  );
});
