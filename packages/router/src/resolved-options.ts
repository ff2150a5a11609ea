import type { BreakerStore } from '@palisade/breaker';
import type { Clock, Random } from '@palisade/core';
import type { Policy } from 'cockatiel';
import type { RetryBackoff } from './backoff.js';
import type { Endpoint } from './endpoint.js';
import type { BalancerName, FailureRateOptions } from './options.js';
import type { RetryAfterReader } from './retry-after.js';
import type { RetryLimiter } from './retry-limiter.js';

// The options once checked, with the defaults filled in: what the router's parts are built from.

export interface ResolvedRetry {
  readonly maxAttempts: number;
  readonly backoff: RetryBackoff;
  readonly handle: Policy;
  readonly retryAfter: RetryAfterReader | undefined;
}

export interface ResolvedHedge {
  readonly delay: number | undefined;
  readonly percentile: number | undefined;
  readonly maxHedges: number;
}

export interface ResolvedOutlierDetection {
  readonly consecutiveFailures: number;
  readonly failureRate: Required<FailureRateOptions> | undefined;
  readonly baseEjectionTime: number;
  readonly maxEjectionTime: number;
  readonly maxEjectionPercent: number;
  readonly interval: number;
  readonly store: ((endpointId: string) => BreakerStore) | undefined;
}

export interface ResolvedHealthCheck<D> {
  readonly check: (endpoint: Endpoint<D>, signal: AbortSignal) => unknown;
  readonly interval: number;
  readonly timeout: number;
  readonly jitter: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface ResolvedRouterOptions<D> {
  readonly endpoints: readonly Endpoint<D>[];
  readonly balancer: BalancerName;
  readonly handle: Policy;
  readonly timeout: number;
  readonly attemptTimeout: number;
  readonly retry: ResolvedRetry | undefined;
  readonly limiter: RetryLimiter | undefined;
  readonly hedge: ResolvedHedge | undefined;
  readonly outlierDetection: ResolvedOutlierDetection | undefined;
  readonly panicThreshold: number;
  readonly overprovisioningFactor: number;
  readonly healthCheck: ResolvedHealthCheck<D> | undefined;
  readonly ewmaDecay: number;
  readonly statsWindow: number;
  readonly clock: Clock;
  readonly random: Random;
}
