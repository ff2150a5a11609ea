import type { Random } from '@palisade/core';
import type { EndpointState } from './endpoint-state.js';
import { priorityLoad } from './priority-load.js';

/** One priority tier as routing sees it. */
export interface Tier {
  readonly priority: number;
  /** Every endpoint of the tier: where calls go in panic. */
  readonly all: readonly EndpointState[];
  /**
   * The endpoints that may take a call now: healthy, or due a probe (their
   * ejection just ended, or their last probe ended without an answer).
   */
  readonly routable: readonly EndpointState[];
  readonly healthy: number;
  /** Percentage of calls this tier receives. */
  readonly load: number;
  readonly panic: boolean;
}

/**
 * Where calls can go, computed when something changes (an endpoint added,
 * removed, ejected, returned, found unhealthy) rather than on every call.
 * It stays valid until `validUntil`, the moment the first ejection ends and
 * an endpoint becomes eligible for a probe again.
 */
export class RoutingTable {
  readonly tiers: readonly Tier[];
  /** The tier that takes all the traffic, when one does: the common case, with no draw. */
  readonly only: Tier | undefined;
  readonly validUntil: number;
  readonly size: number;
  readonly #cumulative: readonly number[];

  constructor(
    endpoints: readonly EndpointState[],
    now: number,
    overprovisioningFactor: number,
    panicThreshold: number,
  ) {
    const byPriority = new Map<number, EndpointState[]>();
    let validUntil = Number.POSITIVE_INFINITY;
    for (const endpoint of endpoints) {
      if (endpoint.removed) continue;
      let tier = byPriority.get(endpoint.endpoint.priority);
      if (tier === undefined) {
        tier = [];
        byPriority.set(endpoint.endpoint.priority, tier);
      }
      tier.push(endpoint);
      if (endpoint.outlier === 'ejected' && endpoint.ejectedUntil > now) {
        validUntil = Math.min(validUntil, endpoint.ejectedUntil);
      }
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    const groups = priorities.map((priority) => byPriority.get(priority) as EndpointState[]);
    const health = groups.map((all) => ({ total: all.length, healthy: all.filter((e) => e.available).length }));
    const { loads, panic } = priorityLoad(health, overprovisioningFactor, panicThreshold);
    this.tiers = groups.map((all, i) => ({
      priority: priorities[i] as number,
      all,
      routable: all.filter((e) => e.available || (e.healthy && dueProbe(e, now))),
      healthy: (health[i] as { healthy: number }).healthy,
      load: loads[i] as number,
      panic: panic[i] as boolean,
    }));
    const withLoad = this.tiers.filter((tier) => tier.load > 0);
    this.only = withLoad.length === 1 ? withLoad[0] : undefined;
    let sum = 0;
    this.#cumulative = this.tiers.map((tier) => {
      sum += tier.load;
      return sum;
    });
    this.validUntil = validUntil;
    this.size = groups.reduce((count, all) => count + all.length, 0);
  }

  /** The tier a call goes to: drawn by the tiers' loads. */
  pickTier(random: Random): Tier | undefined {
    if (this.only !== undefined) return this.only;
    const draw = random() * 100;
    for (let i = 0; i < this.tiers.length; i++) {
      if (draw < (this.#cumulative[i] as number)) return this.tiers[i];
    }
    return undefined;
  }
}

/** Out of rotation, but the next call that picks it may probe it. */
function dueProbe(endpoint: EndpointState, now: number): boolean {
  if (endpoint.outlier === 'ejected') return endpoint.ejectedUntil <= now;
  return endpoint.outlier === 'probing' && !endpoint.probeInFlight;
}
