import { describe, expect, it } from 'vitest';
import type { BankWorld } from '../worlds/bank/bank-world.ts';
import { bankBranchesLesson } from './bank-branches.ts';
import { LessonRun } from './run.ts';
import { secureByDesignLesson } from './secure-by-design.ts';

describe('lesson 8: security from the start, monitoring and updates', () => {
  it('logs breaker trips, rotates keys with no downtime, and catches a stolen key sooner than lesson 7', async () => {
    const run = new LessonRun(secureByDesignLesson, 8, secureByDesignLesson.script);
    await run.runToEnd();
    const watched = run.palisade as BankWorld;

    expect(watched.monitor.count('breaker opened')).toBeGreaterThan(0);
    expect(watched.monitor.count('breaker closed')).toBeGreaterThan(0);
    expect(watched.monitor.count('key rotated')).toBeGreaterThanOrEqual(6);
    // Rotations cost nothing: every transfer after the outage succeeded.
    expect(watched.log.window(8_000, 22_000).successRate).toBe(1);
    expect(watched.tally.alerts).toBe(1);
    expect(watched.tally.stolenKeyUsableMs).toBeLessThan(2_000);
    expect(watched.tally.forgedFromOthers).toBe(0);
    expect(secureByDesignLesson.challenge.check(watched).passed).toBe(true);

    // Lesson 7's stolen key lasted until someone revoked it by hand.
    const manual = new LessonRun(bankBranchesLesson, 8, bankBranchesLesson.script);
    await manual.runToEnd();
    const manualUsable = (manual.palisade as BankWorld).tally.stolenKeyUsableMs ?? Number.POSITIVE_INFINITY;
    expect(manualUsable).toBeGreaterThan(5 * (watched.tally.stolenKeyUsableMs ?? 0));

    // Without palisade nothing is logged and the stolen key never stops working.
    const unwatched = run.baseline as BankWorld;
    expect(unwatched.monitor.count('alert')).toBe(0);
    expect(unwatched.tally.stolenKeyUsableMs).toBeUndefined();
  }, 60_000);
});
