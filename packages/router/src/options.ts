import type { BreakerStore } from '@palisade/breaker';
import type { Clock, Random } from '@palisade/core';
import type { IBackoffFactory, IRetryBackoffContext, Policy } from 'cockatiel';
import type { Endpoint, EndpointInit } from './endpoint.js';
import type { RetryAfterReader } from './retry-after.js';
import type { RetryLimiter } from './retry-limiter.js';

/**
 * `peak-ewma`: power of two choices on Finagle's peak-EWMA latency × calls in flight (the default).
 * `least-outstanding`: power of two choices on calls in flight (Envoy's LEAST_REQUEST).
 * `round-robin`: in turn, weighted (nginx's smooth weighted round-robin).
 * `sticky`: rendezvous (highest-random-weight) hashing of the call's `key`; calls without a key use `peak-ewma`.
 */
export type BalancerName = 'peak-ewma' | 'least-outstanding' | 'round-robin' | 'sticky';

export const balancerNames: readonly BalancerName[] = ['peak-ewma', 'least-outstanding', 'round-robin', 'sticky'];

export interface RetryOptions {
  /**
   * Attempts per call, the first one included; hedges count too (as in
   * gRPC). An integer ≥ 1; 1 means no retries.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * How long to wait before each retry: milliseconds, or a cockatiel backoff
   * (`ExponentialBackoff`, `ConstantBackoff`, `DelegateBackoff`, …) asked
   * once per retry. cockatiel's jitter generators draw from the router's
   * `random`.
   * @default new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 25, maxDelay: 250 }) (Envoy's)
   */
  readonly backoff?: number | IBackoffFactory<IRetryBackoffContext<unknown>>;
  /**
   * Which failures are retried: cockatiel's `handleAll`, `handleType(…)`,
   * `handleWhen(…)`, `handleWhenResult(…)`. Only failures (outcomes the
   * router's `handle` selects) are ever retried; this narrows them, for
   * example to errors that are safe to repeat. The router's own per-attempt
   * timeouts and endpoint removals are always retried.
   * @default the router's `handle`
   */
  readonly handle?: Policy;
  /**
   * Reads a server's retry-after hint from a failure, in milliseconds; the
   * retry then waits at least that long (and is not made if that is past the
   * deadline). `false` ignores hints.
   * @default a numeric `retryAfter` property, or a `Retry-After` header on the result, the error or `error.response`
   */
  readonly retryAfter?: RetryAfterReader | false;
}

/** Hedging: after a delay, a second attempt on another endpoint; the first to succeed wins. */
export interface HedgeOptions {
  /** Start a hedge this many milliseconds after the attempt before it. Give this or `percentile`. */
  readonly delay?: number;
  /**
   * Start a hedge once the call is slower than this fraction of recent
   * successful attempts: 0.95 hedges the slowest 5% ("The Tail at Scale").
   * In (0, 1). Until 20 attempts have succeeded, calls are not hedged.
   */
  readonly percentile?: number;
  /**
   * Hedges per call, each `delay` after the previous. They count toward
   * `retry.maxAttempts` and draw from the retry budget, as in gRPC. An integer ≥ 1.
   * @default 1
   */
  readonly maxHedges?: number;
}

export interface RouterOptions<D = unknown> {
  /** The endpoints to start with; add and remove more at runtime. @default [] */
  readonly endpoints?: readonly EndpointInit<D>[];
  /**
   * How an endpoint is picked among the healthy ones of a tier.
   * @default 'peak-ewma'
   */
  readonly balancer?: BalancerName;
  /**
   * Which outcomes are failures: counted against the endpoint (outlier
   * detection, the retry throttle) and retried. An error it does not select
   * means the endpoint answered: the call rejects with it, unretried, and the
   * endpoint is credited with a success. A result it selects is a failure,
   * returned to the caller if no retry succeeds.
   * @default handleAll (every error, no result)
   */
  readonly handle?: Policy;
  /**
   * The call's deadline in milliseconds, over all its attempts and backoffs:
   * the call settles by then, whatever the function does. Infinity for none.
   * @default 15_000 (Envoy's route timeout)
   */
  readonly timeout?: number;
  /**
   * Each attempt's timeout in milliseconds: an attempt that runs longer is
   * aborted and retried elsewhere. Infinity for none.
   * @default Infinity
   */
  readonly attemptTimeout?: number;
  /** Retries; `false` turns them off (a single attempt per call, unless hedging). @default {} */
  readonly retry?: RetryOptions | false;
  /**
   * What limits retries and hedges across calls: a `RetryBudget` (Finagle),
   * a `TokenRetryThrottle` (gRPC), your own `RetryLimiter`, or `false` for no
   * limit (naive retries).
   * @default new RetryBudget() (20% of calls, at least 10 per second, over 10 s)
   */
  readonly budget?: RetryLimiter | false;
  /** Hedging for every call; calls may override it. @default false */
  readonly hedge?: HedgeOptions | false;
  /** Passive health checking (outlier ejection) by per-endpoint breakers; `false` turns it off. @default {} (Envoy's defaults, but every failing endpoint may be ejected) */
  readonly outlierDetection?: OutlierDetectionOptions | false;
  /**
   * Envoy's panic threshold, a percentage in [0, 100]: when the endpoints
   * together are not healthy enough to carry the traffic and a tier has
   * fewer healthy endpoints than this, its calls go to all of its endpoints,
   * healthy or not, instead of crushing the few left. 0 turns panic off
   * (calls then fail with `NoHealthyEndpointError`).
   * @default 50
   */
  readonly panicThreshold?: number;
  /**
   * Envoy's overprovisioning factor for priority tiers: a tier counts as fully
   * healthy while `healthy share × factor ≥ 100%`, so the default keeps all
   * traffic on tier 0 until fewer than 72% of its endpoints are healthy. ≥ 1.
   * @default 1.4
   */
  readonly overprovisioningFactor?: number;
  /** Active health checking; none by default. */
  readonly healthCheck?: HealthCheckOptions<D>;
  /**
   * The peak-EWMA latency estimate's decay time constant, in milliseconds:
   * how long the memory of a slow response lasts. Finagle's `decayTime`. > 0.
   * @default 10_000
   */
  readonly ewmaDecay?: number;
  /** The window of the per-endpoint request and error rates in `stats()`, in milliseconds. > 0. @default 10_000 */
  readonly statsWindow?: number;
  /** Where time comes from: deadlines, backoffs, ejections, health checks. @default realClock */
  readonly clock?: Clock;
  /** Where randomness comes from: P2C draws, tier draws, jitter. @default defaultRandom (Math.random) */
  readonly random?: Random;
}

/** Per-call options, the second argument of `execute` (or just an `AbortSignal`). */
export interface ExecuteOptions {
  /** Cancels the call: it rejects at once with the cancellation error, and every attempt's signal aborts. */
  readonly signal?: AbortSignal;
  /** This call's deadline, in milliseconds. @default the router's `timeout` */
  readonly timeout?: number;
  /** This call's per-attempt timeout, in milliseconds. @default the router's `attemptTimeout` */
  readonly attemptTimeout?: number;
  /** The key for the `sticky` balancer: calls with the same key go to the same endpoint while it is healthy. */
  readonly key?: string;
  /** Hedging for this call; `false` turns it off. @default the router's `hedge` */
  readonly hedge?: HedgeOptions | false;
  /** `false`: no retries for this call (a request that is not safe to repeat). Hedges are not retries. */
  readonly retry?: false;
}

/** Options of `router.remove(id, options)`. */
export interface RemoveOptions {
  /**
   * Abort the attempts in flight on the endpoint (their signal's reason is an
   * `EndpointRemovedError`) and fail them over to other endpoints. By
   * default they run to completion, and their outcomes still count.
   * @default false
   */
  readonly abortInFlight?: boolean;
}

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

/**
 * Active health checking, as in Envoy and Kubernetes probes: every endpoint
 * is checked on a timer, and one that fails `unhealthyThreshold` checks in a
 * row leaves rotation until it passes `healthyThreshold` in a row.
 */
export interface HealthCheckOptions<D = unknown> {
  /**
   * Checks one endpoint. It passes by returning (or resolving to) anything but
   * `false`; it fails by returning `false`, throwing, rejecting, or not
   * settling within `timeout` (its signal then aborts).
   */
  readonly check: (endpoint: Endpoint<D>, signal: AbortSignal) => unknown;
  /**
   * Milliseconds between two checks of an endpoint, in (0, 2^31 - 1].
   * @default 10_000
   */
  readonly interval?: number;
  /**
   * A check that has not settled after this many milliseconds fails, in (0, 2^31 - 1].
   * @default 1_000
   */
  readonly timeout?: number;
  /**
   * Each wait is lengthened by a random fraction of `interval` up to this, so
   * that checks from many clients do not arrive together; the first check of
   * an endpoint comes after a random part of it. Envoy's `interval_jitter_percent`, as a fraction in [0, 1].
   * @default 0.1
   */
  readonly jitter?: number;
  /**
   * Passes in a row that bring an unhealthy endpoint back. An integer ≥ 1.
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Failures in a row that take a healthy endpoint out. An integer ≥ 1.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}
