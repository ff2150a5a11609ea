import type { CircuitState } from 'cockatiel';
import { type EndpointState, ROLLING_FAILURES, ROLLING_REQUESTS } from './endpoint-state.js';
import type { EndpointStats, EndpointStatus } from './stats.js';

/** One endpoint's snapshot, with its rates over `statsWindow` ms up to `now`. */
export function readEndpointStats(endpoint: EndpointState, now: number, statsWindow: number): EndpointStats {
  const requests = endpoint.rolling.sum(now, ROLLING_REQUESTS);
  const failures = endpoint.rolling.sum(now, ROLLING_FAILURES);
  return {
    id: endpoint.endpoint.id,
    zone: endpoint.endpoint.zone,
    priority: endpoint.endpoint.priority,
    weight: endpoint.endpoint.weight,
    status: statusOf(endpoint),
    breaker: endpoint.breaker?.state as CircuitState | undefined,
    outstanding: endpoint.outstanding,
    attempts: endpoint.attempts,
    successes: endpoint.successes,
    failures: endpoint.failures,
    requestRate: requests / (statsWindow / 1_000),
    errorRate: requests === 0 ? 0 : Math.min(1, failures / requests),
    latency: endpoint.latency.cost(now),
    lastLatency: endpoint.lastLatency,
    ejections: endpoint.ejections,
    ejectionLevel: endpoint.ejectionLevel,
    ejectedFor: endpoint.outlier === 'ejected' ? Math.max(0, endpoint.ejectedUntil - now) : 0,
  };
}

function statusOf(endpoint: EndpointState): EndpointStatus {
  if (endpoint.removed) return 'removed';
  if (!endpoint.healthy) return 'unhealthy';
  if (endpoint.outlier === 'ejected') return 'ejected';
  if (endpoint.outlier === 'probing') return 'probing';
  return 'healthy';
}
