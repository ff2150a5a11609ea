export { type BalancerName, balancerNames } from './balancer.js';
export type { AttemptFunction } from './call.js';
export type { Endpoint, EndpointInit } from './endpoint.js';
export {
  type AttemptKind,
  type AttemptRecord,
  AttemptTimeoutError,
  CallDeadlineExceededError,
  EmptyEndpointSetError,
  EndpointRemovedError,
  type EndpointUnavailability,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
  RouterDisposedError,
} from './errors.js';
export type {
  AttemptEvent,
  AttemptSettledEvent,
  BudgetExhaustedEvent,
  EjectionBlockedEvent,
  EjectionEvent,
  EndpointEvent,
  HealthChangeEvent,
  PanicEvent,
  RetryEvent,
} from './events.js';
export type { HealthCheckOptions } from './health-check.js';
export type { ExecuteOptions, HedgeOptions, RetryOptions, RouterOptions } from './options.js';
export type { FailureRateOptions, OutlierDetectionOptions } from './outlier-detection.js';
export { type PriorityLoad, priorityLoad, type TierHealth } from './priority-load.js';
export { parseRetryAfterHeader, type RetryAfterReader, readRetryAfter } from './retry-after.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export type { RetryLimiter, RetryLimiterStats } from './retry-limiter.js';
export { type RemoveOptions, Router } from './router.js';
export { type RouteContext, RouterPolicy } from './router-policy.js';
export type { EndpointStats, EndpointStatus, RouterStats, TierStats } from './stats.js';
export { TokenRetryThrottle, type TokenRetryThrottleOptions } from './token-throttle.js';
