import { describe, expect, it } from 'vitest';
import { freePlay, lessonByNumber } from './index.ts';
import type { TimedAction } from './lesson.ts';
import { LessonRun } from './run.ts';

const kill = (node: string, at: number): TimedAction => ({ at, action: { type: 'kill', node } });
const attack = (name: 'eavesdrop' | 'tamper' | 'replay', at: number): TimedAction => ({
  at,
  action: { type: 'attack', attack: name, on: true },
});

/**
 * The reproductions: each challenge passed a moment after its
 * condition started (0.1 s after the second kill in lesson 2, 2.3 s after
 * replay started in lesson 3…). A challenge may pass only once its
 * condition has held for its whole window.
 */
const cases: readonly { name: string; lesson: number; actions: TimedAction[]; decisive: number }[] = [
  {
    name: 'lesson 2: two of five nodes down',
    lesson: 2,
    actions: [kill('node-2', 3_000), kill('node-4', 7_000)],
    decisive: 7_000,
  },
  {
    name: 'lesson 3: eavesdrop, tamper and replay on',
    lesson: 3,
    actions: [attack('eavesdrop', 2_000), attack('tamper', 5_000), attack('replay', 8_000)],
    decisive: 8_000,
  },
  {
    name: 'lesson 4: five nodes, attacks on, one down',
    lesson: 4,
    actions: [
      { at: 1_000, action: { type: 'add-node' } },
      { at: 1_000, action: { type: 'add-node' } },
      attack('eavesdrop', 4_000),
      attack('tamper', 4_000),
      attack('replay', 4_000),
      kill('node-2', 9_000),
    ],
    decisive: 9_000,
  },
  {
    name: 'free play: five of ten nodes down',
    lesson: 0,
    actions: ['node-1', 'node-3', 'node-5', 'node-7', 'node-9'].map((node, i) => kill(node, 2_000 + i * 500)),
    decisive: 4_000,
  },
];

describe('challenges wait for their window', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: not passed during the window, passed after it',
    async (_name, c) => {
      const lesson = c.lesson === 0 ? freePlay : lessonByNumber(c.lesson);
      if (lesson === undefined) throw new Error(`no lesson ${c.lesson}`);
      const run = new LessonRun(lesson, 1, c.actions);
      await run.advance(c.decisive);
      for (let after = 100; after < 5_000; after += 300) {
        await run.advance(c.decisive + after - run.now());
        expect(lesson.challenge.check(run.palisade).passed, `${after} ms after the condition began`).toBe(false);
      }
      await run.advance(c.decisive + 7_000 - run.now());
      expect(lesson.challenge.check(run.palisade).passed, 'once the window has passed').toBe(true);
    },
    60_000,
  );
});
