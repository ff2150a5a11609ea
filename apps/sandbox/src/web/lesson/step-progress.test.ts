import { describe, expect, it } from 'vitest';
import { attackSurfaceLesson } from '../../lessons/attack-surface.ts';
import { faultToleranceLesson } from '../../lessons/fault-tolerance.ts';
import type { TimedAction } from '../../lessons/lesson.ts';
import { currentStep, stepsDoneAt } from './step-progress.ts';

describe('step progress, read from the run', () => {
  it('follows a replayed run: each step is done when its actions are, and the current step is the latest done', () => {
    const script = faultToleranceLesson.script;
    expect(stepsDoneAt(faultToleranceLesson.steps, [])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const firstTwo = script.slice(0, 2);
    const done = stepsDoneAt(faultToleranceLesson.steps, firstTwo);
    expect(done).toEqual([undefined, 3_000, 7_000, undefined, undefined]);
    expect(currentStep(done)).toBe(2);
    expect(currentStep(stepsDoneAt(faultToleranceLesson.steps, []))).toBe(0);
  });

  it('needs every action of a step, and counts each recorded action once', () => {
    const addTwo: TimedAction[] = [{ at: 1_000, action: { type: 'add-node' } }];
    expect(stepsDoneAt(attackSurfaceLesson.steps, addTwo)[1]).toBeUndefined();
    const both = [...addTwo, { at: 1_500, action: { type: 'add-node' } } as const];
    expect(stepsDoneAt(attackSurfaceLesson.steps, both)[1]).toBe(1_500);
  });

  it('takes the toolbar’s actions as the step’s, in any order', () => {
    const outOfOrder: TimedAction[] = [
      { at: 2_000, action: { type: 'kill', node: 'node-4' } },
      { at: 2_500, action: { type: 'kill', node: 'node-2' } },
    ];
    const done = stepsDoneAt(faultToleranceLesson.steps, outOfOrder);
    expect(done.slice(1, 3)).toEqual([2_500, 2_000]);
    expect(currentStep(done)).toBe(1);
  });
});
