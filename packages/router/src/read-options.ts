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
import { ConstantBackoff, handleAll, type Policy } from 'cockatiel';
import { defaultRetryBackoff, type RetryBackoff } from './backoff.js';
import { readEndpointInit } from './endpoint.js';
import {
  balancerNames,
  type FailureRateOptions,
  type HealthCheckOptions,
  type HedgeOptions,
  type OutlierDetectionOptions,
  type RetryOptions,
  type RouterOptions,
} from './options.js';
import type {
  ResolvedHealthCheck,
  ResolvedHedge,
  ResolvedOutlierDetection,
  ResolvedRetry,
  ResolvedRouterOptions,
} from './resolved-options.js';
import { type RetryAfterReader, readRetryAfter } from './retry-after.js';
import { RetryBudget } from './retry-budget.js';
import type { RetryLimiter } from './retry-limiter.js';
import { rejectUnknownKeys } from './unknown-keys.js';

// The keys of each options object, for refusing unknown ones; each type makes its list complete.
const ROUTER_OPTION_KEYS = Object.keys({
  endpoints: true,
  balancer: true,
  handle: true,
  timeout: true,
  attemptTimeout: true,
  retry: true,
  budget: true,
  hedge: true,
  outlierDetection: true,
  panicThreshold: true,
  overprovisioningFactor: true,
  healthCheck: true,
  ewmaDecay: true,
  statsWindow: true,
  clock: true,
  random: true,
} satisfies Record<keyof RouterOptions, true>);
const RETRY_OPTION_KEYS = Object.keys({
  maxAttempts: true,
  backoff: true,
  handle: true,
  retryAfter: true,
} satisfies Record<keyof RetryOptions, true>);
const HEDGE_OPTION_KEYS = Object.keys({
  delay: true,
  percentile: true,
  maxHedges: true,
} satisfies Record<keyof HedgeOptions, true>);
const OUTLIER_DETECTION_OPTION_KEYS = Object.keys({
  consecutiveFailures: true,
  failureRate: true,
  baseEjectionTime: true,
  maxEjectionTime: true,
  maxEjectionPercent: true,
  interval: true,
  store: true,
} satisfies Record<keyof OutlierDetectionOptions, true>);
const FAILURE_RATE_OPTION_KEYS = Object.keys({
  threshold: true,
  minimumRequests: true,
  window: true,
} satisfies Record<keyof FailureRateOptions, true>);
const HEALTH_CHECK_OPTION_KEYS = Object.keys({
  check: true,
  interval: true,
  timeout: true,
  jitter: true,
  healthyThreshold: true,
  unhealthyThreshold: true,
} satisfies Record<keyof HealthCheckOptions, true>);

/** An options object (undefined reads as `{}`) with none but the `known` keys; `name` is its dotted path. */
function knownOptions<T extends object>(name: string, value: T | undefined, known: readonly string[]): T {
  const options = optionsObject(name, value);
  rejectUnknownKeys(options, known, name === 'options' ? '' : `${name}.`, 'option');
  return options;
}

const positiveDuration = { min: 0, minExclusive: true } as const;
/** What a platform timer can wait. */
const timerDuration = { min: 0, minExclusive: true, max: MAX_TIMER_DELAY } as const;

export function readRouterOptions<D>(options: RouterOptions<D> | undefined): ResolvedRouterOptions<D> {
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
  } = knownOptions('options', options, ROUTER_OPTION_KEYS);
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
    hedge: readHedge('hedge', hedge),
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
  } = knownOptions('retry', retry, RETRY_OPTION_KEYS);
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

export function readHedge(name: string, hedge: HedgeOptions | false | undefined): ResolvedHedge | undefined {
  if (hedge === false || hedge === undefined) return undefined;
  const { delay, percentile, maxHedges = 1 } = knownOptions(name, hedge, HEDGE_OPTION_KEYS);
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
    store,
  } = knownOptions('outlierDetection', outlierDetection, OUTLIER_DETECTION_OPTION_KEYS);
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
    store: store === undefined ? undefined : functionOption('outlierDetection.store', store),
  };
}

function resolveFailureRate(failureRate: object): ResolvedOutlierDetection['failureRate'] {
  const {
    threshold = 0.85,
    minimumRequests = 50,
    window = 10_000,
  } = knownOptions('outlierDetection.failureRate', failureRate as FailureRateOptions, FAILURE_RATE_OPTION_KEYS);
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
  } = knownOptions('healthCheck', healthCheck, HEALTH_CHECK_OPTION_KEYS);
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
