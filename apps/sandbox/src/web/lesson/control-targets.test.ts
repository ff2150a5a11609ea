import { describe, expect, it } from 'vitest';
import { howTheyRelateLesson } from '../../lessons/how-they-relate.ts';
import { LessonRun } from '../../lessons/run.ts';
import { controlTargets } from './control-targets.ts';

describe('controlTargets', () => {
  it('lists only nodes that exist: lesson 4 starts with three, and grows', async () => {
    const run = new LessonRun(howTheyRelateLesson, 1);
    expect(controlTargets(howTheyRelateLesson.targets, run.palisade.view().nodes)).toEqual([
      'node-1',
      'node-2',
      'node-3',
    ]);
    run.apply({ type: 'add-node' });
    await run.advance(100);
    expect(controlTargets(howTheyRelateLesson.targets, run.palisade.view().nodes)).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-4',
    ]);
  });

  it('is empty for a lesson that acts on no node in particular', () => {
    expect(controlTargets([], [{ id: 'node-1', kind: 'shard', state: 'up', load: 0 }])).toEqual([]);
  });
});
