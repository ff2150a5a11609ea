import type { Balancer } from './balancer.js';
import { PowerOfTwoChoices } from './balancer.js';
import type { EndpointState } from './endpoint-state.js';

/** P2C on calls in flight, divided by weight: Envoy's LEAST_REQUEST with two choices. */
export class LeastOutstandingBalancer extends PowerOfTwoChoices implements Balancer {
  readonly name = 'least-outstanding' as const;

  protected load(candidate: EndpointState): number {
    return candidate.outstanding;
  }
}
