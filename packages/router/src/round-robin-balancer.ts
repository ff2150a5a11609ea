import type { Balancer } from './balancer.js';
import type { EndpointState } from './endpoint-state.js';

/**
 * Round-robin. With unequal weights it is nginx's smooth weighted
 * round-robin: every pick adds each candidate's weight to its running
 * weight, takes the largest and subtracts the total from it, so a 5:1:1
 * split comes out as a a b a c a a rather than a a a a a b c.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin' as const;
  #next = 0;

  pick(candidates: readonly EndpointState[], now: number): EndpointState {
    const count = candidates.length;
    const first = candidates[0] as EndpointState;
    if (count === 1) return first;
    let uniform = true;
    for (let i = 1; i < count && uniform; i++) {
      uniform = (candidates[i] as EndpointState).endpoint.weight === first.endpoint.weight;
    }
    if (uniform) {
      // A down endpoint (a panicking tier's ejected one that still fails) gives its turn to the next one.
      for (let skipped = 0; ; skipped++) {
        const candidate = candidates[this.#next % count] as EndpointState;
        this.#next = (this.#next + 1) % 0x40000000;
        if (candidate.downUntil <= now || skipped === count - 1) return candidate;
      }
    }
    let total = 0;
    let best: EndpointState | undefined;
    for (const candidate of candidates) {
      if (candidate.downUntil > now) continue;
      candidate.currentWeight += candidate.endpoint.weight;
      total += candidate.endpoint.weight;
      if (best === undefined || candidate.currentWeight > best.currentWeight) best = candidate;
    }
    if (best === undefined) return first;
    best.currentWeight -= total;
    return best;
  }
}
