import { describe, expect, it } from 'vitest';
import { decentralizedDatabaseLesson } from '../../lessons/decentralized-database.ts';
import { LessonRun } from '../../lessons/run.ts';

describe('the database’s counters', () => {
  it('say what a node going down means for users: keys out of reach on one side, spare copies catching up on the other', async () => {
    const run = new LessonRun(decentralizedDatabaseLesson, 1, decentralizedDatabaseLesson.script);
    await run.advance(8_000);
    const counter = (palisade: boolean, label: string) =>
      (palisade ? run.palisade : run.baseline).view().counters.find((c) => c.label.startsWith(label))?.value;
    expect(counter(true, 'keys nobody can read or write')).toBe('0 of 200');
    expect(String(counter(false, 'keys nobody can read or write'))).toMatch(/^[1-9]\d* of 200$/);
    expect(counter(true, 'spare copies still catching up')).toBeGreaterThan(0);
    expect(counter(false, 'spare copies still catching up')).toBe('none kept');
  });
});
