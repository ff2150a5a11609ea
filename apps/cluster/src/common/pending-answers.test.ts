import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingAnswers } from './pending-answers.ts';

describe('PendingAnswers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles each question once, by its rid: an answer, an error, or every one still waiting', async () => {
    const pending = new PendingAnswers();
    const first = pending.ask(60_000, () => new Error('late'));
    const second = pending.ask(60_000, () => new Error('late'));
    const third = pending.ask(60_000, () => new Error('late'));
    expect(new Set([first.rid, second.rid, third.rid]).size).toBe(3);
    pending.answer(second.rid, 'two');
    pending.answer(second.rid, 'again');
    pending.fail(first.rid, new Error('refused'));
    pending.failAll(new Error('gone'));
    await expect(second.answer).resolves.toBe('two');
    await expect(first.answer).rejects.toThrow('refused');
    await expect(third.answer).rejects.toThrow('gone');
  });

  it('rejects with the timeout error when no answer comes in time, and drops an answer that comes later', async () => {
    vi.useFakeTimers();
    const pending = new PendingAnswers();
    const question = pending.ask(5, () => new Error('no answer within 5 ms'));
    const settled = expect(question.answer).rejects.toThrow('no answer within 5 ms');
    vi.advanceTimersByTime(5);
    await settled;
    expect(() => pending.answer(question.rid, 'late')).not.toThrow();
  });
});
