import { describe, expect, it } from 'vitest';
import { bankBranchesLesson } from '../../lessons/bank-branches.ts';
import { LessonRun } from '../../lessons/run.ts';
import { securityLesson } from '../../lessons/security.ts';

describe('the bank world as the app draws it', () => {
  it('shows the attacker listening once it breaks in, and a revoked branch’s links as closed', async () => {
    const run = new LessonRun(bankBranchesLesson, 1, bankBranchesLesson.script);
    await run.advance(3_000);
    // The break-in switched eavesdropping on; the switches must say so.
    for (const world of run.worlds) expect(world.view().attacks?.eavesdrop).toBe(true);
    await run.advance(10_000);
    const links = run.palisade.view().links;
    const toA = links.filter((link) => link.a === 'branch-a' || link.b === 'branch-a');
    expect(toA.length).toBeGreaterThan(0);
    expect(toA.every((link) => link.broken && link.revoked === true && !link.active)).toBe(true);
    expect(links.filter((link) => !toA.includes(link)).every((link) => !link.broken)).toBe(true);
    await run.advance(4_000);
    // A new key: the links are open again.
    expect(run.palisade.view().links.every((link) => !link.broken)).toBe(true);
  });

  it('flags what a plain branch accepted but should not have: tampered, replayed and forged transfers', async () => {
    const run = new LessonRun(securityLesson, 1, securityLesson.script);
    await run.runToEnd();
    const plain = run.baseline.view().messages.filter((message) => message.provenance !== undefined);
    const kinds = new Set(plain.map((message) => message.provenance));
    expect(plain.every((message) => message.verdict === 'accepted')).toBe(true);
    expect(kinds.has('genuine')).toBe(true);
    expect([...kinds].some((kind) => kind !== 'genuine')).toBe(true);
    // Sealed, everything the palisade side accepted was genuine.
    const sealed = run.palisade.view().messages.filter((message) => message.verdict === 'accepted');
    expect(sealed.every((message) => message.provenance === undefined || message.provenance === 'genuine')).toBe(true);
  }, 30_000);
});
