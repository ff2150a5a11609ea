import { type Clock, defaultRandom, InvalidOptionError, type Random, realClock } from '@palisade/core';
import {
  durationOption,
  functionOption,
  integerOption,
  MAX_TIMER_DELAY,
  numberOption,
  oneOfOption,
  optionsObject,
  policyOption,
  positiveOrUnlimited,
} from '@palisade/core/internal';
import { ConstantBackoff, handleAll, type IBackoffFactory, type IRetryBackoffContext, type Policy } from 'cockatiel';
import { defaultRetryBackoff, type RetryBackoff } from './backoff.js';
import { type BalancerName, balancerNames } from './balancer.js';
import { type Endpoint, type EndpointInit, readEndpointInit } from './endpoint.js';
import type { HealthCheckOptions, ResolvedHealthCheck } from './health-check.js';
import type { OutlierDetectionOptions, ResolvedOutlierDetection } from './outlier-detection.js';
import { type RetryAfterReader, readRetryAfter } from './retry-after.js';
import { RetryBudget } from './retry-budget.js';
import type { RetryLimiter } from './retry-limiter.js';

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

const positiveDuration = { min: 0, minExclusive: true } as const;
/** What a platform timer can wait. */
const timerDuration = { min: 0, minExclusive: true, max: MAX_TIMER_DELAY } as const;

export function resolveRouterOptions<D>(options: RouterOptions<D> | undefined): ResolvedRouterOptions<D> {
  const {
    endpoints = [],
    balancer = 'peak-ewma',
    handle = handleAll,
    timeout = 15_000,
    attemptTimeout = Number.POSITIVE_INFINITY,
    retry = {},
    budget,
    hedge = false,
    outlierDetection = {},
    panicThreshold = 50,
    overprovisioningFactor = 1.4,
    healthCheck,
    ewmaDecay = 10_000,
    statsWindow = 10_000,
    clock = realClock,
    random = defaultRandom,
  } = optionsObject('options', options);
  if (!Array.isArray(endpoints)) throw new InvalidOptionError('endpoints', 'an array of endpoints', endpoints);
  const resolvedEndpoints = endpoints.map((each, index) => readEndpointInit<D>(each, `endpoints[${index}]`, 'option'));
  const seen = new Set<string>();
  resolvedEndpoints.forEach((endpoint, index) => {
    if (seen.has(endpoint.id)) {
      throw new InvalidOptionError(`endpoints[${index}].id`, 'an id no other endpoint has', endpoint.id);
    }
    seen.add(endpoint.id);
  });
  const resolvedHandle = policyOption('handle', handle);
  return {
    endpoints: resolvedEndpoints,
    balancer: oneOfOption('balancer', balancer, balancerNames),
    handle: resolvedHandle,
    timeout: durationOption('timeout', timeout, positiveOrUnlimited),
    attemptTimeout: durationOption('attemptTimeout', attemptTimeout, positiveOrUnlimited),
    retry: resolveRetry(retry, resolvedHandle),
    limiter: resolveLimiter(budget),
    hedge: resolveHedge('hedge', hedge),
    outlierDetection: resolveOutlierDetection(outlierDetection),
    panicThreshold: numberOption('panicThreshold', panicThreshold, { min: 0, max: 100 }),
    overprovisioningFactor: numberOption('overprovisioningFactor', overprovisioningFactor, { min: 1, max: 1e6 }),
    healthCheck: healthCheck === undefined ? undefined : resolveHealthCheck(healthCheck),
    ewmaDecay: durationOption('ewmaDecay', ewmaDecay, positiveDuration),
    statsWindow: durationOption('statsWindow', statsWindow, positiveDuration),
    clock: clockOption(clock),
    random: functionOption<Random>('random', random),
  };
}

function resolveRetry(retry: RetryOptions | false, handle: Policy): ResolvedRetry | undefined {
  if (retry === false) return undefined;
  const {
    maxAttempts = 3,
    backoff = defaultRetryBackoff(),
    handle: retryHandle = handle,
    retryAfter = readRetryAfter,
  } = optionsObject('retry', retry);
  return {
    maxAttempts: integerOption('retry.maxAttempts', maxAttempts, { min: 1, max: 1_000 }),
    backoff: backoffOption(backoff),
    handle: policyOption('retry.handle', retryHandle),
    retryAfter: retryAfter === false ? undefined : functionOption<RetryAfterReader>('retry.retryAfter', retryAfter),
  };
}

function backoffOption(backoff: unknown): RetryBackoff {
  if (typeof backoff === 'number') {
    return new ConstantBackoff(durationOption('retry.backoff', backoff));
  }
  if (typeof (backoff as Partial<RetryBackoff> | null)?.next !== 'function') {
    throw new InvalidOptionError(
      'retry.backoff',
      'a duration in milliseconds in [0, ∞) or a cockatiel backoff (an object with next())',
      backoff,
    );
  }
  return backoff as RetryBackoff;
}

function resolveLimiter(budget: RetryLimiter | false | undefined): RetryLimiter | undefined {
  if (budget === false) return undefined;
  if (budget === undefined) return new RetryBudget();
  const candidate = budget as Partial<RetryLimiter> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.onCall !== 'function' ||
    typeof candidate.onAttemptSettled !== 'function' ||
    typeof candidate.tryAcquire !== 'function' ||
    typeof candidate.stats !== 'function'
  ) {
    throw new InvalidOptionError('budget', 'a RetryBudget, a TokenRetryThrottle, a RetryLimiter, or false', budget);
  }
  return budget;
}

export function resolveHedge(name: string, hedge: HedgeOptions | false | undefined): ResolvedHedge | undefined {
  if (hedge === false || hedge === undefined) return undefined;
  const { delay, percentile, maxHedges = 1 } = optionsObject(name, hedge);
  if ((delay === undefined) === (percentile === undefined)) {
    throw new InvalidOptionError(name, 'either `delay` or `percentile`, not both and not neither', hedge);
  }
  return {
    delay: delay === undefined ? undefined : durationOption(`${name}.delay`, delay),
    percentile:
      percentile === undefined
        ? undefined
        : numberOption(`${name}.percentile`, percentile, { min: 0, minExclusive: true, max: 1, maxExclusive: true }),
    maxHedges: integerOption(`${name}.maxHedges`, maxHedges, { min: 1, max: 1_000 }),
  };
}

function resolveOutlierDetection(
  outlierDetection: OutlierDetectionOptions | false,
): ResolvedOutlierDetection | undefined {
  if (outlierDetection === false) return undefined;
  const {
    consecutiveFailures = 5,
    failureRate = {},
    baseEjectionTime = 30_000,
    maxEjectionTime = 300_000,
    maxEjectionPercent = 100,
    interval = 10_000,
  } = optionsObject('outlierDetection', outlierDetection);
  const base = durationOption('outlierDetection.baseEjectionTime', baseEjectionTime, positiveDuration);
  return {
    consecutiveFailures: integerOption('outlierDetection.consecutiveFailures', consecutiveFailures, {
      min: 1,
      max: Number.POSITIVE_INFINITY,
    }),
    failureRate: failureRate === false ? undefined : resolveFailureRate(failureRate),
    baseEjectionTime: base,
    maxEjectionTime: durationOption('outlierDetection.maxEjectionTime', maxEjectionTime, { min: base }),
    maxEjectionPercent: numberOption('outlierDetection.maxEjectionPercent', maxEjectionPercent, { min: 0, max: 100 }),
    interval: durationOption('outlierDetection.interval', interval, positiveDuration),
  };
}

function resolveFailureRate(failureRate: object): ResolvedOutlierDetection['failureRate'] {
  const {
    threshold = 0.85,
    minimumRequests = 50,
    window = 10_000,
  } = optionsObject('outlierDetection.failureRate', failureRate as Record<string, unknown>);
  return {
    threshold: numberOption('outlierDetection.failureRate.threshold', threshold, {
      min: 0,
      minExclusive: true,
      max: 1,
    }),
    minimumRequests: integerOption('outlierDetection.failureRate.minimumRequests', minimumRequests, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
    }),
    window: durationOption('outlierDetection.failureRate.window', window, positiveDuration),
  };
}

function resolveHealthCheck<D>(healthCheck: HealthCheckOptions<D>): ResolvedHealthCheck<D> {
  const {
    check,
    interval = 10_000,
    timeout = 1_000,
    jitter = 0.1,
    healthyThreshold = 2,
    unhealthyThreshold = 3,
  } = optionsObject('healthCheck', healthCheck);
  return {
    check: functionOption('healthCheck.check', check),
    interval: durationOption('healthCheck.interval', interval, timerDuration),
    timeout: durationOption('healthCheck.timeout', timeout, timerDuration),
    jitter: numberOption('healthCheck.jitter', jitter, { min: 0, max: 1 }),
    healthyThreshold: integerOption('healthCheck.healthyThreshold', healthyThreshold, { min: 1, max: 1_000 }),
    unhealthyThreshold: integerOption('healthCheck.unhealthyThreshold', unhealthyThreshold, { min: 1, max: 1_000 }),
  };
}

function clockOption(clock: unknown): Clock {
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate !== 'object' || candidate === null) throw new InvalidOptionError('clock', 'a Clock', clock);
  functionOption('clock.now', candidate.now);
  functionOption('clock.setTimeout', candidate.setTimeout);
  functionOption('clock.clearTimeout', candidate.clearTimeout);
  return clock as Clock;
}
