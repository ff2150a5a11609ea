import { describe, expect, it } from 'vitest';
import type { KvWorld } from '../worlds/kv/kv-world.ts';
import { decentralizedDatabaseLesson } from './decentralized-database.ts';
import { LessonRun } from './run.ts';

describe('lesson 5: the decentralized database', () => {
  it('keeps reads and writes going on the remaining replicas, then recovers the returning node', async () => {
    const run = new LessonRun(decentralizedDatabaseLesson, 5, decentralizedDatabaseLesson.script);
    await run.advance(10_000);
    const replicated = run.palisade as KvWorld;
    const single = run.baseline as KvWorld;

    // Node 3 has been down since 3 s: its copies fall behind, service does not.
    expect(replicated.log.window(3_500, 9_000).successRate).toBeGreaterThanOrEqual(0.99);
    expect(replicated.staleCopies()).toBeGreaterThan(50);
    expect(single.log.window(3_500, 9_000).successRate).toBeLessThan(0.9);

    await run.runToEnd();
    // Back since 11 s: hints handed over, nothing out of date, no read ever saw old data.
    expect(replicated.tally.handoffs).toBeGreaterThan(50);
    expect(replicated.staleCopies()).toBe(0);
    expect(replicated.tally.staleReads).toBe(0);
    expect(replicated.tally.writesFailed + replicated.tally.readsFailed).toBe(0);
    expect(decentralizedDatabaseLesson.challenge.check(replicated).passed).toBe(true);
    expect(decentralizedDatabaseLesson.challenge.check(single).passed).toBe(false);
  }, 60_000);
});
