import { describe, expect, it } from 'vitest';
import { faultToleranceLesson } from './fault-tolerance.ts';
import { LessonRun } from './run.ts';

describe('LessonRun', () => {
  it('records only actions that changed something, so a shared link holds no no-ops', async () => {
    const run = new LessonRun(faultToleranceLesson, 1);
    await run.advance(1_000);
    expect(run.apply({ type: 'kill', node: 'node-2' })).toBe(true);
    await run.advance(500);
    // Already down, already running, no such node: nothing happens, nothing is recorded.
    expect(run.apply({ type: 'kill', node: 'node-2' })).toBe(false);
    expect(run.apply({ type: 'restart', node: 'node-3' })).toBe(false);
    expect(run.apply({ type: 'kill', node: 'node-99' })).toBe(false);
    expect(run.apply({ type: 'heal' })).toBe(false);
    expect(run.apply({ type: 'feature', feature: 'retries', on: true })).toBe(false);
    expect(run.apply({ type: 'restart', node: 'node-2' })).toBe(true);
    expect(run.actions).toEqual([
      { at: 1_000, action: { type: 'kill', node: 'node-2' } },
      { at: 1_500, action: { type: 'restart', node: 'node-2' } },
    ]);
  });

  it('checks the challenge at fixed instants, so when it first passed is part of the run', async () => {
    const passedAt = async (steps: number) => {
      const run = new LessonRun(faultToleranceLesson, 1, faultToleranceLesson.script);
      while (run.now() < 16_000) await run.advance(Math.min(steps, 16_000 - run.now()));
      return run.passed?.at;
    };
    const inBigSteps = await passedAt(4_000);
    expect(inBigSteps).toBeDefined();
    expect(await passedAt(17)).toBe(inBigSteps);
  }, 30_000);
});
