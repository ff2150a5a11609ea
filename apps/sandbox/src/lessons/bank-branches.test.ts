import { describe, expect, it } from 'vitest';
import type { BankWorld } from '../worlds/bank/bank-world.ts';
import { bankBranchesLesson } from './bank-branches.ts';
import { LessonRun } from './run.ts';

describe('lesson 7: the bank with branches', () => {
  it('keeps the other branches secret and intact while one is compromised, and shuts the attacker out on revocation', async () => {
    const run = new LessonRun(bankBranchesLesson, 7, bankBranchesLesson.script);
    await run.advance(11_900);
    const withPalisade = run.palisade as BankWorld;
    const beforeRevoke = { ...withPalisade.tally, applied: { ...withPalisade.tally.applied } };
    await run.runToEnd();

    // Stolen keys let the attacker act as branch A, and only as branch A.
    expect(beforeRevoke.forgedFromCompromised).toBeGreaterThan(0);
    expect(withPalisade.tally.forgedFromOthers).toBe(0);
    expect(withPalisade.tally.refusedTokens).toBeGreaterThan(0);
    // Nothing between B and C was readable or changed.
    expect(withPalisade.tally.read).toBe(0);
    expect(withPalisade.tally.applied.tampered).toBe(0);
    // After revocation nothing forged got through, and handshakes with the stolen key were refused.
    expect(withPalisade.tally.applied.forged).toBe(beforeRevoke.applied.forged);
    expect(withPalisade.tally.refusedHandshakes).toBeGreaterThan(0);
    // The other branches kept working.
    expect(withPalisade.log.window(12_000, 22_000).successRate).toBeGreaterThanOrEqual(0.95);
    expect(bankBranchesLesson.challenge.check(withPalisade).passed).toBe(true);

    // Without palisade the attacker reads everything and spends any branch's money.
    const without = run.baseline as BankWorld;
    expect(without.tally.read).toBeGreaterThan(50);
    expect(without.tally.forgedFromOthers).toBeGreaterThan(0);
    expect(bankBranchesLesson.challenge.check(without).passed).toBe(false);
  }, 60_000);
});
