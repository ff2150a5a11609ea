import { describe, expect, it } from 'vitest';
import type { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { freePlay, lessonByNumber } from './index.ts';
import { LessonRun } from './run.ts';

describe('free play', () => {
  it('runs ten nodes at a thousand requests a second, and survives half of them going down with palisade', async () => {
    expect(lessonByNumber(0)).toBe(freePlay);
    const run = new LessonRun(freePlay, 1);
    await run.advance(2_000);
    for (const node of ['node-1', 'node-3', 'node-5', 'node-7', 'node-9']) run.apply({ type: 'kill', node });
    await run.advance(10_000);
    const routed = run.palisade as ClusterWorld;
    expect(routed.view().nodes.filter((node) => node.kind === 'server')).toHaveLength(10);
    expect(routed.log.window(4_000, 11_000).requests).toBeGreaterThan(6_000);
    expect(freePlay.challenge.check(routed).passed).toBe(true);
    expect(freePlay.challenge.check(run.baseline).passed).toBe(false);
  }, 60_000);
});
