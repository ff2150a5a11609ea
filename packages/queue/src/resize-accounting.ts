import type { ResizeEvent } from './events.js';
import type { KeyHandoff } from './key-handoff.js';
import { fmix32 } from './murmur3.js';
import type { ShardRouter } from './shard-router.js';
import type { ShardRouting } from './shard-routing.js';

/** How many sample keys a resize routes, before and after, to estimate the fraction of keys that moved. */
const RESIZE_SAMPLE = 4096;

/**
 * What a resize did, measured right after the router changed and before any
 * task moved: the share of a fixed sample of keys whose route changed, beside
 * what consistent hashing promises, and the busy keys that must move.
 */
export function measureResize(
  change: 'added' | 'removed',
  shardId: number,
  previous: ShardRouter,
  routing: ShardRouting,
  keys: KeyHandoff | undefined,
  at: number,
): ResizeEvent {
  const next = routing.router;
  let moved = 0;
  for (let i = 0; i < RESIZE_SAMPLE; i++) {
    const hash = fmix32(i + 0x3c6ef372);
    if (previous.route(hash) !== next.route(hash)) moved++;
  }
  let keysInFlight = 0;
  let keysMoving = 0;
  for (const keyState of keys?.busyKeys() ?? []) {
    if (keyState.inFlight === 0) continue;
    keysInFlight++;
    const route = keyState.route;
    if (route.kind === 'moving' || !routing.stillRoutes(keyState, route.shard)) keysMoving++;
  }
  return {
    at,
    change,
    shardId,
    previousShardIds: previous.shardIds,
    shardIds: next.shardIds,
    movedFraction: moved / RESIZE_SAMPLE,
    expectedMovedFraction: change === 'added' ? 1 / next.shardIds.length : 1 / previous.shardIds.length,
    keysInFlight,
    keysMoving,
  };
}
