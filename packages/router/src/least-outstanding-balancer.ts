import type { Random } from '@palisade/core';
import { type Balancer, powerOfTwoChoices } from './balancer.js';
import type { EndpointState } from './endpoint.js';

const outstanding = (candidate: EndpointState): number => candidate.outstanding;

/** P2C on calls in flight, divided by weight: Envoy's LEAST_REQUEST with two choices. */
export class LeastOutstandingBalancer implements Balancer {
  readonly name = 'least-outstanding' as const;

  pick(candidates: readonly EndpointState[], _now: number, random: Random): EndpointState {
    return powerOfTwoChoices(candidates, random, outstanding);
  }
}
