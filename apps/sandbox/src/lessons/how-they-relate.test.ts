import { describe, expect, it } from 'vitest';
import type { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { howTheyRelateLesson } from './how-they-relate.ts';
import { LessonRun } from './run.ts';

describe('lesson 4: how scalability, fault tolerance and security relate', () => {
  it('keeps requests succeeding and uncorrupted through growth, attack and a crash, only with palisade', async () => {
    const run = new LessonRun(howTheyRelateLesson, 4, howTheyRelateLesson.script);
    await run.runToEnd();
    const protectedCluster = run.palisade as ClusterWorld;
    const plainCluster = run.baseline as ClusterWorld;

    // Scaling out: 5 nodes, 2 clients, 10 links to protect.
    expect(protectedCluster.view().links).toHaveLength(10);

    // Security turns attacks into refusals, fault tolerance turns refusals and the crash into retries.
    expect(protectedCluster.attacksSucceeded()).toBe(0);
    expect(protectedCluster.rejectedByChannels).toBeGreaterThan(100);
    expect(protectedCluster.log.window(10_000, 17_000).successRate).toBeGreaterThanOrEqual(0.99);
    expect(howTheyRelateLesson.challenge.check(protectedCluster).passed).toBe(true);

    // Without palisade the attacker reads, corrupts and replays, and the crash costs requests.
    expect(plainCluster.attacker?.stats.readable).toBeGreaterThan(0);
    expect(plainCluster.corrupted).toBeGreaterThan(0);
    expect(plainCluster.duplicated).toBeGreaterThan(0);
    expect(plainCluster.log.window(10_000, 17_000).successRate).toBeLessThan(0.9);
  }, 60_000);
});
