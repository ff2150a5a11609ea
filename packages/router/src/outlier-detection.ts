import {
  type BreakerStore,
  CircuitBreaker,
  ConsecutiveFailuresRule,
  TimeWindowRule,
  type TripRule,
} from '@palisade/breaker';
import type { Clock } from '@palisade/core';
import { DelegateBackoff } from 'cockatiel';
import type { EndpointState } from './endpoint.js';

/** Ejection on the failure rate: Envoy's failure-percentage detection. */
export interface FailureRateOptions {
  /**
   * Eject when at least this fraction of the endpoint's attempts in the window
   * failed. Envoy's `failure_percentage_threshold` (85%). In (0, 1].
   * @default 0.85
   */
  readonly threshold?: number;
  /**
   * Decide nothing below this many attempts in the window. Envoy's
   * `failure_percentage_request_volume`. An integer ≥ 1.
   * @default 50
   */
  readonly minimumRequests?: number;
  /**
   * The window, in milliseconds. Envoy's detection `interval`. > 0.
   * @default 10_000
   */
  readonly window?: number;
}

/**
 * Passive health checking: each endpoint gets a circuit breaker from
 * `@palisade/breaker`, fed by the router with every attempt's outcome. When
 * it opens, the endpoint is ejected. Defaults are Envoy's, but for
 * `maxEjectionPercent`.
 */
export interface OutlierDetectionOptions {
  /**
   * Eject after this many failed attempts in a row. Envoy's `consecutive_5xx`.
   * An integer ≥ 1; Infinity turns this rule off.
   * @default 5
   */
  readonly consecutiveFailures?: number;
  /**
   * Eject on the failure rate over a time window; `false` turns it off.
   * Envoy has this rule (failure-percentage detection) but does not enforce it
   * by default; the router does, with Envoy's thresholds.
   * @default { threshold: 0.85, minimumRequests: 50, window: 10_000 }
   */
  readonly failureRate?: FailureRateOptions | false;
  /**
   * The first ejection's length in milliseconds. The n-th ejection in a row
   * lasts `n × baseEjectionTime`. Envoy's `base_ejection_time`.
   * @default 30_000
   */
  readonly baseEjectionTime?: number;
  /**
   * The longest an ejection lasts, however often the endpoint was ejected.
   * Envoy's `max_ejection_time`.
   * @default 300_000
   */
  readonly maxEjectionTime?: number;
  /**
   * At most this percentage of the endpoints is ejected at once; one endpoint
   * may always be. Beyond it, a tripped endpoint stays in rotation, its counts
   * start over (`onEjectionBlocked`), and the balancers pass it over for 5 s.
   * Envoy's `max_ejection_percent`, in [0, 100]. The default ejects every
   * endpoint that fails, as Linkerd's and Finagle's failure accrual do, and
   * leaves it to the panic threshold to stop ejections from crushing the
   * rest. Envoy's default, 10, leaves all but one failing endpoint in rotation.
   * @default 100
   */
  readonly maxEjectionPercent?: number;
  /**
   * For each of these periods an endpoint spends in rotation, its ejection
   * multiplier goes down by one, so an endpoint that keeps coming back
   * healthy is forgiven slowly, and one that flaps keeps being ejected for
   * longer. Envoy's `interval`, in milliseconds.
   * @default 10_000
   */
  readonly interval?: number;
  /**
   * Where each endpoint's breaker keeps its circuit: a function of the
   * endpoint's id that returns a store for it. With a shared store, such as
   * ``(id) => backend.store(`orders-api:${id}`)`` from
   * `@palisade/breaker/redis`, every router process sees an ejection one of
   * them made, and one probe at a time crosses them all. A veto by
   * `maxEjectionPercent` resets the shared circuit too.
   * @default each breaker's own memory store
   */
  readonly store?: (endpointId: string) => BreakerStore;
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
