import type { Random } from '@palisade/core';
import type { EndpointState } from './endpoint-state.js';
import type { BalancerName } from './options.js';

/** Picks one endpoint among candidates. The candidates are never empty. */
export interface Balancer {
  readonly name: BalancerName;
  /** @param keyHash the call's key hashed, or undefined for a call without a key. */
  pick(candidates: readonly EndpointState[], now: number, random: Random, keyHash: number | undefined): EndpointState;
}

/** Pairs P2C draws, at most, to find one with an endpoint that is not down (Finagle's `maxEffort`). */
export const MAX_EFFORT = 5;

/**
 * How long, in milliseconds, the balancers pass over an endpoint that outlier
 * detection found failing but that is still offered (`EndpointState.downUntil`).
 * Linkerd's default failure penalty.
 */
export const FAILURE_PENALTY = 5_000;

/**
 * Mitzenmacher's power of two choices: two distinct random candidates, and
 * the one with the lower load per unit of weight wins. Ties go to the first
 * draw, which is random already.
 *
 * Of a pair with one endpoint that is down (`EndpointState.downUntil`), the
 * other wins; when both are, P2C draws another pair, up to `MAX_EFFORT`
 * pairs (Finagle's and ServiceTalk's `maxEffort`), and only then settles for
 * the lower load of the last one. So a panicking tier spreads calls over the
 * ejected endpoints that answer again, and sends almost nothing to those that
 * still fail.
 */
export abstract class PowerOfTwoChoices {
  pick(candidates: readonly EndpointState[], now: number, random: Random): EndpointState {
    const count = candidates.length;
    if (count === 1) return candidates[0] as EndpointState;
    for (let effort = 1; ; effort++) {
      const first = Math.floor(random() * count);
      let second = Math.floor(random() * (count - 1));
      if (second >= first) second++;
      const a = candidates[first] as EndpointState;
      const b = candidates[second] as EndpointState;
      const aDown = a.downUntil > now;
      if (aDown !== b.downUntil > now) return aDown ? b : a;
      const chosen = this.load(b, now) / b.endpoint.weight < this.load(a, now) / a.endpoint.weight ? b : a;
      // Two candidates make one pair: drawing again would find the same two.
      if (!aDown || effort === MAX_EFFORT || count === 2) return chosen;
    }
  }

  protected abstract load(candidate: EndpointState, now: number): number;
}
