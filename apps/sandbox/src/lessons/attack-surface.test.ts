import { describe, expect, it } from 'vitest';
import type { BankWorld } from '../worlds/bank/bank-world.ts';
import { attackSurfaceLesson } from './attack-surface.ts';
import { LessonRun } from './run.ts';

describe('lesson 6: threats and the attack surface', () => {
  it('grows the links with the branches, and shows which protection stops which attack', async () => {
    const run = new LessonRun(attackSurfaceLesson, 6, attackSurfaceLesson.script);
    await run.advance(9_900);
    const secure = run.palisade as BankWorld;
    const plain = run.baseline as BankWorld;
    expect(secure.branches.size).toBe(5);
    expect(secure.view().links).toHaveLength(10);

    // With every protection on, the insider and the wire attacker get nothing.
    expect(secure.attacksSucceeded()).toBe(0);
    expect(secure.tally.refusedTokens).toBeGreaterThan(0);
    expect(secure.tally.rejectedMessages).toBeGreaterThan(0);

    // Tokens off: the insider proved who it is, and nothing checks what it may do.
    await run.advance(4_100);
    const forgedWithoutTokens = secure.tally.applied.forged;
    expect(forgedWithoutTokens).toBeGreaterThan(0);
    expect(secure.tally.read + secure.tally.applied.tampered + secure.tally.applied.replayed).toBe(0);

    // Tokens back on: the forgeries stop.
    await run.runToEnd();
    expect(secure.tally.applied.forged).toBeLessThanOrEqual(forgedWithoutTokens + 1);
    expect(secure.attacksSucceededWithin(5_000)).toBe(0);

    // Without palisade every kind of attack works.
    expect(plain.tally.read).toBeGreaterThan(0);
    expect(plain.tally.applied.tampered).toBeGreaterThan(0);
    expect(plain.tally.applied.replayed).toBeGreaterThan(0);
    expect(plain.tally.applied.forged).toBeGreaterThan(0);
  }, 60_000);
});
