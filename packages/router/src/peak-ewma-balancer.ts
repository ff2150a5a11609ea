import type { Random } from '@palisade/core';
import { type Balancer, powerOfTwoChoices } from './balancer.js';
import type { EndpointState } from './endpoint.js';

/**
 * P2C on peak-EWMA latency times calls in flight: Finagle's
 * `p2cPeakEwma`, and Envoy's and Linkerd's answer to a slow endpoint. The
 * slow one loses every comparison, so it gets almost nothing until its
 * latency estimate has decayed, while the spread stays random enough that
 * no two clients herd onto the same "best" endpoint.
 */
export class PeakEwmaBalancer implements Balancer {
  readonly name = 'peak-ewma' as const;

  pick(candidates: readonly EndpointState[], now: number, random: Random): EndpointState {
    return powerOfTwoChoices(candidates, random, (candidate) => candidate.latency.load(candidate.outstanding, now));
  }
}
