import { describe, expect, it } from 'vitest';
import type { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { faultToleranceLesson } from './fault-tolerance.ts';
import { LessonRun } from './run.ts';

describe('lesson 2: fault tolerance', () => {
  it('holds the success rate with palisade while nodes die, and shows the drop without it', async () => {
    const run = new LessonRun(faultToleranceLesson, 2, faultToleranceLesson.script);
    // Two of five nodes down from 7 s: not yet 5 seconds of it (plus one to settle) at 12.9 s.
    await run.advance(12_900);
    const routed = run.palisade as ClusterWorld;
    const naive = run.baseline as ClusterWorld;
    expect(faultToleranceLesson.challenge.check(routed).passed).toBe(false);
    // Just before the script restarts node 2 at 15 s.
    await run.advance(2_000);

    const twoDown = routed.log.window(8_000, 12_000);
    expect(twoDown.successRate).toBeGreaterThanOrEqual(0.99);
    expect(faultToleranceLesson.challenge.check(routed).passed).toBe(true);
    expect(run.passed?.at).toBe(13_000);
    const naiveTwoDown = naive.log.window(8_000, 12_000);
    expect(naiveTwoDown.successRate).toBeLessThan(0.7);
    expect(faultToleranceLesson.challenge.check(naive).passed).toBe(false);

    // Both dead nodes were ejected by every client, after a handful of failures.
    for (const node of ['node-2', 'node-4']) {
      for (const client of routed.clients) {
        expect(routed.monitor.entries.some((e) => e.text === `${client.id} stopped sending to ${node} for 4 s`)).toBe(
          true,
        );
      }
    }

    await run.runToEnd();
    expect(routed.log.summary().successRate).toBeGreaterThanOrEqual(0.99);
    expect(naive.log.summary().successRate).toBeLessThan(0.8);
    // The restarted node was probed and takes traffic again.
    const stats = routed.clients[0]?.router?.endpointStats('node-2');
    expect(stats?.status).toBe('healthy');
    const badge = routed.view().nodes.find((node) => node.id === 'node-2')?.breaker;
    expect(badge?.state).toBe('closed');
    expect(badge?.requestRate).toBeGreaterThan(0);
  }, 60_000);
});

describe('lesson 2: switching the router’s protections off', () => {
  it('shows what each one does: without breakers, retries alone cannot hold the success rate', async () => {
    const withOut = async (feature: string) => {
      const run = new LessonRun(faultToleranceLesson, 2, [
        { at: 0, action: { type: 'feature', feature, on: false } },
        ...faultToleranceLesson.script,
      ]);
      await run.advance(12_900);
      expect(run.palisade.view().features?.[feature]).toBe(false);
      return (run.palisade as ClusterWorld).log.window(8_000, 12_000).successRate;
    };
    expect(await withOut('ejection')).toBeLessThan(0.8);
    expect(await withOut('retries')).toBeGreaterThan(0.95);
  }, 60_000);
});
