import type { Balancer } from './balancer.js';
import type { EndpointState } from './endpoint.js';

/**
 * Round-robin. With unequal weights it is nginx's smooth weighted
 * round-robin: every pick adds each candidate's weight to its running
 * weight, takes the largest and subtracts the total from it, so a 5:1:1
 * split comes out as a a b a c a a rather than a a a a a b c.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin' as const;
  #next = 0;

  pick(candidates: readonly EndpointState[]): EndpointState {
    const count = candidates.length;
    const first = candidates[0] as EndpointState;
    if (count === 1) return first;
    let uniform = true;
    for (let i = 1; i < count && uniform; i++) {
      uniform = (candidates[i] as EndpointState).endpoint.weight === first.endpoint.weight;
    }
    if (uniform) {
      const index = this.#next % count;
      this.#next = (this.#next + 1) % 0x40000000;
      return candidates[index] as EndpointState;
    }
    let total = 0;
    let best = first;
    for (const candidate of candidates) {
      candidate.currentWeight += candidate.endpoint.weight;
      total += candidate.endpoint.weight;
      if (candidate.currentWeight > best.currentWeight) best = candidate;
    }
    best.currentWeight -= total;
    return best;
  }
}
