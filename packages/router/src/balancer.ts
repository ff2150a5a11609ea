import type { Random } from '@palisade/core';
import type { EndpointState } from './endpoint.js';

/**
 * `peak-ewma`: power of two choices on Finagle's peak-EWMA latency × calls in flight (the default).
 * `least-outstanding`: power of two choices on calls in flight (Envoy's LEAST_REQUEST).
 * `round-robin`: in turn, weighted (nginx's smooth weighted round-robin).
 * `sticky`: rendezvous (highest-random-weight) hashing of the call's `key`; calls without a key use `peak-ewma`.
 */
export type BalancerName = 'peak-ewma' | 'least-outstanding' | 'round-robin' | 'sticky';

export const balancerNames: readonly BalancerName[] = ['peak-ewma', 'least-outstanding', 'round-robin', 'sticky'];

/** Picks one endpoint among candidates. The candidates are never empty. */
export interface Balancer {
  readonly name: BalancerName;
  /** @param keyHash the call's key hashed, or undefined for a call without a key. */
  pick(candidates: readonly EndpointState[], now: number, random: Random, keyHash: number | undefined): EndpointState;
}

/**
 * Mitzenmacher's power of two choices: two distinct random candidates, and
 * the one with the lower load per unit of weight wins. Ties go to the first
 * draw, which is random already.
 */
export abstract class PowerOfTwoChoices {
  pick(candidates: readonly EndpointState[], now: number, random: Random): EndpointState {
    const count = candidates.length;
    if (count === 1) return candidates[0] as EndpointState;
    const first = Math.floor(random() * count);
    let second = Math.floor(random() * (count - 1));
    if (second >= first) second++;
    const a = candidates[first] as EndpointState;
    const b = candidates[second] as EndpointState;
    return this.load(b, now) / b.endpoint.weight < this.load(a, now) / a.endpoint.weight ? b : a;
  }

  protected abstract load(candidate: EndpointState, now: number): number;
}
