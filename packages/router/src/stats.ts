import type { CircuitState } from 'cockatiel';
import type { RetryLimiterStats } from './retry-limiter.js';

/**
 * Where an endpoint stands: `healthy` (in rotation), `ejected` (by outlier
 * detection), `probing` (its ejection ended and a probe decides), `unhealthy`
 * (failing active health checks), `removed` (still finishing calls after
 * `remove()`).
 */
export type EndpointStatus = 'healthy' | 'ejected' | 'probing' | 'unhealthy' | 'removed';

export interface EndpointStats {
  readonly id: string;
  readonly zone: string | undefined;
  readonly priority: number;
  readonly weight: number;
  readonly status: EndpointStatus;
  /** Its breaker's state; undefined with outlier detection off. */
  readonly breaker: CircuitState | undefined;
  /** Attempts in flight. */
  readonly outstanding: number;
  /** Since the endpoint was added. */
  readonly attempts: number;
  readonly successes: number;
  readonly failures: number;
  /** Attempts per second over the stats window. */
  readonly requestRate: number;
  /** Failed share of the attempts in the stats window, in [0, 1]. */
  readonly errorRate: number;
  /** The peak-EWMA latency estimate, in milliseconds, decayed to now. */
  readonly latency: number;
  /** The last attempt's duration, in milliseconds; NaN before the first. */
  readonly lastLatency: number;
  /** Times it was ejected. */
  readonly ejections: number;
  /** Its ejection multiplier (Envoy's): the next ejection lasts `(level + 1) × baseEjectionTime`. */
  readonly ejectionLevel: number;
  /** Milliseconds until its current ejection ends; 0 when not ejected. */
  readonly ejectedFor: number;
}

export interface TierStats {
  readonly priority: number;
  readonly endpoints: number;
  readonly healthy: number;
  /** Percentage of calls it receives. */
  readonly load: number;
  readonly panic: boolean;
}

export interface RouterStats {
  /** Calls started, since the router was created. */
  readonly calls: number;
  readonly successes: number;
  /** Calls that ended in a failure (including those that returned a failed result). */
  readonly failures: number;
  /** Calls whose caller cancelled them. */
  readonly cancelled: number;
  /** Calls in flight. */
  readonly inFlight: number;
  readonly attempts: number;
  readonly retries: number;
  readonly hedges: number;
  /** Calls a hedge won. */
  readonly hedgeWins: number;
  /** Retries and hedges the budget refused. */
  readonly budgetRefusals: number;
  /** Calls that ended because their deadline passed. */
  readonly deadlineExceeded: number;
  /** Calls that found no endpoint to go to. */
  readonly noHealthyEndpoint: number;
  readonly retryLimiter: RetryLimiterStats | undefined;
  readonly tiers: readonly TierStats[];
  readonly endpoints: readonly EndpointStats[];
}
