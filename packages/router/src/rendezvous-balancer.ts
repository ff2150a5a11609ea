import type { Random } from '@palisade/core';
import type { Balancer } from './balancer.js';
import type { EndpointState } from './endpoint-state.js';
import { mix32 } from './hash.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';

/**
 * Sticky routing by key: rendezvous, or highest-random-weight, hashing
 * (Thaler and Ravishankar, 1998). Each candidate scores `hash(key, endpoint)`
 * and the highest score wins, so a key stays on its endpoint while that
 * endpoint is a candidate, and when it leaves, only its keys move, each to
 * its second choice. Weights use the logarithmic method (Schindelhauer and
 * Schomaker): the score is `-weight / ln(u)` with `u` the hash in (0, 1).
 *
 * Calls without a key fall back to P2C peak-EWMA.
 */
export class RendezvousBalancer implements Balancer {
  readonly name = 'sticky' as const;
  readonly #fallback = new PeakEwmaBalancer();

  pick(candidates: readonly EndpointState[], now: number, random: Random, keyHash: number | undefined): EndpointState {
    if (keyHash === undefined) return this.#fallback.pick(candidates, now, random);
    let best = candidates[0] as EndpointState;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestDown = true;
    for (const candidate of candidates) {
      // A down endpoint (a panicking tier's ejected one that still fails) loses to any other: its keys move.
      const down = candidate.downUntil > now;
      if (down && !bestDown) continue;
      const score = rendezvousScore(keyHash, candidate);
      // Equal scores are astronomically rare; the id decides them, so every client agrees.
      if (bestDown !== down || score > bestScore || (score === bestScore && candidate.endpoint.id < best.endpoint.id)) {
        best = candidate;
        bestScore = score;
        bestDown = down;
      }
    }
    return best;
  }
}

export function rendezvousScore(keyHash: number, candidate: EndpointState): number {
  const combined = mix32(keyHash ^ Math.imul(candidate.idHash, 0x9e3779b1));
  const unit = (combined + 0.5) / 2 ** 32;
  return -candidate.endpoint.weight / Math.log(unit);
}
