import { describe, expect, it } from 'vitest';
import type { TimedAction } from '../lessons/lesson.ts';
import { encodeRun } from '../lessons/run.ts';
import { DEFAULT_SEED, parseRoute, routeSearch } from './url.ts';

const actions: TimedAction[] = [
  { at: 1_500, action: { type: 'kill', node: 'node-2' } },
  { at: 4_000, action: { type: 'attack', attack: 'tamper', on: true } },
];

describe('routes', () => {
  it('opens the home page without a lesson', () => {
    expect(parseRoute('')).toEqual({ page: 'home' });
    expect(parseRoute('?lesson=abc')).toEqual({ page: 'home' });
  });

  it('reads a lesson with its seed, or the default seed', () => {
    expect(parseRoute('?lesson=3&seed=42')).toEqual({
      page: 'lesson',
      lesson: 3,
      seed: 42,
      actions: [],
      at: undefined,
    });
    expect(parseRoute('?lesson=3')).toMatchObject({ seed: DEFAULT_SEED });
    expect(parseRoute('?free=2&seed=7')).toMatchObject({ page: 'free', lesson: 2, seed: 7 });
  });

  it('round-trips a run with its actions and moment', () => {
    const route = { page: 'lesson', lesson: 2, seed: 9, actions, at: 6_000 } as const;
    expect(parseRoute(routeSearch(route))).toEqual(route);
  });

  it('trusts the run over a lesson or seed that disagree with it', () => {
    const run = encodeRun({ lesson: 5, seed: 11, actions });
    expect(parseRoute(`?lesson=1&seed=2&run=${run}`)).toMatchObject({ lesson: 5, seed: 11, actions });
  });

  it('ignores a run it cannot read, and a negative moment', () => {
    expect(parseRoute('?lesson=4&seed=3&run=%%%&t=-5')).toEqual({
      page: 'lesson',
      lesson: 4,
      seed: 3,
      actions: [],
      at: undefined,
    });
  });
});
