import type { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import type { ChallengeResult } from './lesson.ts';

/**
 * The cluster challenges: with at least `minimumDown` nodes down, keep 99%
 * of the requests of the last 5 seconds succeeding.
 */
export function survivesOutage(world: ClusterWorld, minimumDown: number): ChallengeResult {
  const now = world.now();
  const down = world.nodes.filter((node) => node.status === 'down').length;
  const recent = world.log.window(now - 6_000, now - 1_000);
  return {
    passed: down >= minimumDown && recent.requests > 0 && recent.successRate >= 0.99,
    measured: `${down} of ${world.nodes.length} nodes down; ${(recent.successRate * 100).toFixed(1)}% succeeded in the last 5 s`,
  };
}
