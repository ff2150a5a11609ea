import { describe, expect, it } from 'vitest';
import type { BankWorld } from '../worlds/bank/bank-world.ts';
import { LessonRun } from './run.ts';
import { securityLesson } from './security.ts';

describe('lesson 3: security', () => {
  it('lets the attacker read, tamper, replay and forge plaintext, and refuses all of it on the channel', async () => {
    const run = new LessonRun(securityLesson, 3, securityLesson.script);
    await run.runToEnd();
    const secure = run.palisade as BankWorld;
    const plain = run.baseline as BankWorld;

    expect(plain.tally.read).toBeGreaterThan(20);
    expect(plain.tally.applied.tampered).toBeGreaterThan(0);
    expect(plain.tally.applied.replayed).toBeGreaterThan(0);
    expect(plain.tally.applied.forged).toBeGreaterThan(0);

    expect(secure.attacksSucceeded()).toBe(0);
    expect(secure.monitor.entries.some((e) => e.text.includes('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED'))).toBe(
      true,
    );
    expect(secure.monitor.entries.some((e) => e.text.includes('ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE'))).toBe(true);
    expect(secure.tally.refusedHandshakes).toBeGreaterThan(0);
    expect(securityLesson.challenge.check(secure).passed).toBe(true);
    expect(securityLesson.challenge.check(plain).passed).toBe(false);
    // Every refused message shows in the inspector as the attacker saw it, unreadable.
    const refused = secure.messages.filter((m) => m.verdict !== 'accepted');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((m) => m.delivered === undefined)).toBe(true);
  }, 60_000);

  it('is deterministic: the same seed and actions give the same counters and timeline', async () => {
    const outcome = async () => {
      const run = new LessonRun(securityLesson, 11, securityLesson.script);
      await run.runToEnd();
      const world = run.palisade as BankWorld;
      return JSON.stringify([world.tally, world.log.records, world.monitor.entries]);
    };
    expect(await outcome()).toBe(await outcome());
  }, 60_000);
});
