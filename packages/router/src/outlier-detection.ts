import { CircuitBreaker, ConsecutiveFailuresRule, TimeWindowRule, type TripRule } from '@palisade/breaker';
import type { Clock } from '@palisade/core';
import { DelegateBackoff } from 'cockatiel';
import type { EndpointState } from './endpoint-state.js';
import type { ResolvedOutlierDetection } from './resolved-options.js';

/** What the router does when an endpoint's breaker moves. */
export interface OutlierHooks {
  /** The breaker opened. Return false to veto the ejection (max ejection percent); it is then reset. */
  tripped(endpoint: EndpointState, now: number): boolean;
  /** Ejection, probe or return: routing must be recomputed. */
  changed(endpoint: EndpointState, previous: 'active' | 'ejected' | 'probing'): void;
}

/** The ejection multiplier after lazily applying the decay for the time spent in rotation since the last return. */
export function decayedEjectionLevel(endpoint: EndpointState, interval: number, now: number): number {
  if (endpoint.outlier !== 'active' || endpoint.ejectionLevel === 0) return endpoint.ejectionLevel;
  const periods = Math.floor(Math.max(0, now - endpoint.returnedAt) / interval);
  return Math.max(0, endpoint.ejectionLevel - periods);
}

/** How long the next ejection lasts: base × (level + 1), capped. */
export function ejectionTime(options: ResolvedOutlierDetection, endpoint: EndpointState, now: number): number {
  const level = decayedEjectionLevel(endpoint, options.interval, now);
  return Math.min(options.maxEjectionTime, options.baseEjectionTime * (level + 1));
}

/**
 * Builds the breaker that watches one endpoint and wires its transitions to
 * the endpoint's outlier status. The breaker's open period is the ejection
 * time, asked of a `DelegateBackoff` at each opening, so it follows Envoy's
 * multiplier rather than the breaker's own attempt count, which starts over
 * whenever the circuit closes.
 */
export function watchEndpoint(
  endpoint: EndpointState,
  options: ResolvedOutlierDetection,
  clock: Clock,
  hooks: OutlierHooks,
): CircuitBreaker | undefined {
  const rules: TripRule[] = [];
  if (options.consecutiveFailures !== Number.POSITIVE_INFINITY) {
    rules.push(new ConsecutiveFailuresRule({ threshold: options.consecutiveFailures }));
  }
  const rate = options.failureRate;
  if (rate !== undefined) {
    rules.push(
      new TimeWindowRule({
        duration: rate.window,
        buckets: 10,
        minimumCalls: rate.minimumRequests,
        failureRateThreshold: rate.threshold,
      }),
    );
  }
  if (rules.length === 0) return undefined;
  const breaker = new CircuitBreaker({
    clock,
    rule: rules,
    halfOpenAfter: new DelegateBackoff(() => ejectionTime(options, endpoint, clock.now())),
    halfOpen: { probes: 1 },
    ...(options.store === undefined ? {} : { store: options.store(endpoint.endpoint.id) }),
  });
  const levelCap = Math.ceil(options.maxEjectionTime / options.baseEjectionTime);
  breaker.onBreak(() => {
    const record = breaker.record;
    if (record.kind !== 'open') return;
    const previous = endpoint.outlier;
    const now = clock.now();
    if (previous === 'active' && !hooks.tripped(endpoint, now)) {
      breaker.reset();
      return;
    }
    endpoint.ejectionLevel = Math.min(levelCap, decayedEjectionLevel(endpoint, options.interval, now) + 1);
    endpoint.ejections++;
    endpoint.outlier = 'ejected';
    endpoint.ejectedUntil = record.until;
    hooks.changed(endpoint, previous);
  });
  breaker.onHalfOpen(() => {
    const previous = endpoint.outlier;
    endpoint.outlier = 'probing';
    hooks.changed(endpoint, previous);
  });
  breaker.onReset(() => {
    const previous = endpoint.outlier;
    if (previous === 'active') return;
    endpoint.outlier = 'active';
    endpoint.returnedAt = clock.now();
    endpoint.ejectedUntil = 0;
    hooks.changed(endpoint, previous);
  });
  return breaker;
}
