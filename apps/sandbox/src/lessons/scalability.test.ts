import { describe, expect, it } from 'vitest';
import type { ShardWorld } from '../worlds/shards/shard-world.ts';
import { LessonRun } from './run.ts';
import { scalabilityLesson } from './scalability.ts';

describe('lesson 1: scalability', () => {
  it('raises throughput with nodes while p99 returns to calm, moving about 1/(n+1) of keys and keeping order', async () => {
    const run = new LessonRun(scalabilityLesson, 1, scalabilityLesson.script);
    await run.runToEnd();
    const sharded = run.palisade as ShardWorld;
    const modulo = run.baseline as ShardWorld;

    const calm = sharded.log.window(1_000, 3_000);
    const overloaded = sharded.log.window(5_000, 7_000);
    const grown = sharded.log.window(19_000, 23_000);
    expect(overloaded.p99).toBeGreaterThan(3 * calm.p99);
    expect(grown.ok / 4).toBeGreaterThan(4 * (calm.ok / 2));
    expect(grown.p99).toBeLessThan(1.6 * calm.p99);
    expect(scalabilityLesson.challenge.check(sharded).passed).toBe(true);

    // Going from 5 to 6 nodes: consistent hashing moves about 1/6 of the keys, mod-n about 5/6.
    expect(sharded.keysMoved).toBeGreaterThan(1 / 6 - 0.03);
    expect(sharded.keysMoved).toBeLessThan(1 / 6 + 0.03);
    expect(modulo.keysMoved).toBeGreaterThan(0.75);

    // Per-key order holds through every resize with palisade, not without.
    expect(sharded.orderViolations).toBe(0);
    expect(modulo.orderViolations).toBeGreaterThan(0);
    expect(scalabilityLesson.challenge.check(modulo).passed).toBe(false);

    const ring = sharded.view().ring;
    expect(ring?.shards).toHaveLength(6);
    expect(ring?.keys.filter((key) => key.moved).length).toBeGreaterThan(0);
  }, 60_000);
});
