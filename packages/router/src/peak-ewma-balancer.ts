import type { Balancer } from './balancer.js';
import { PowerOfTwoChoices } from './balancer.js';
import type { EndpointState } from './endpoint-state.js';

/**
 * P2C on peak-EWMA latency times calls in flight: Finagle's
 * `p2cPeakEwma`, and Linkerd's answer to a slow endpoint. The slow one loses
 * every comparison, so it gets almost nothing until its latency estimate has
 * decayed, while the spread stays random enough that no two clients herd
 * onto the same "best" endpoint.
 */
export class PeakEwmaBalancer extends PowerOfTwoChoices implements Balancer {
  readonly name = 'peak-ewma' as const;

  protected load(candidate: EndpointState, now: number): number {
    return candidate.latency.load(candidate.outstanding, now);
  }
}
