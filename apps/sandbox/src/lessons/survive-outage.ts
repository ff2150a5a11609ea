import type { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { held, percentDown, SETTLE_MS } from './challenge-window.ts';
import type { ChallengeResult } from './lesson.ts';

/** The success bar of the cluster challenges, and the window it is measured over. */
export const OUTAGE_SUCCESS = 0.99;
export const OUTAGE_WINDOW_MS = 5_000;

/**
 * The cluster challenges: with at least `minimumDown` nodes down, keep 99%
 * of requests succeeding over 5 seconds. The 5 seconds must lie inside the
 * outage: the challenge cannot pass until the nodes have been down that
 * long (and the last second's requests have had time to finish).
 */
export function survivesOutage(world: ClusterWorld, minimumDown: number): ChallengeResult {
  const now = world.now();
  const down = world.nodes.filter((node) => node.status === 'down').length;
  const since = world.down.heldSince((count) => count >= minimumDown);
  const { ready, holding } = held(since, OUTAGE_WINDOW_MS + SETTLE_MS, now);
  // Before the window is full, the requests since the outage began (if any have finished).
  const from = ready || since === undefined ? now - OUTAGE_WINDOW_MS - SETTLE_MS : since;
  const recent = world.log.window(from, Math.max(from, now - SETTLE_MS));
  const share = percentDown(recent.successRate);
  const nodes = `${down} of ${world.nodes.length} nodes down`;
  return {
    passed: ready && recent.requests > 0 && recent.successRate >= OUTAGE_SUCCESS,
    value: recent.requests === 0 ? '–' : share,
    measured:
      since === undefined
        ? `${nodes}; take down ${minimumDown} to start the challenge (${share} succeeded in the last 5 s)`
        : ready
          ? `${nodes}; ${share} succeeded in the last 5 s`
          : `${nodes}; ${recent.requests === 0 ? 'no requests finished yet' : `${share} succeeded`} since the outage began`,
    holding,
  };
}
