export type { AttemptFunction } from './attempt.js';
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
  RouterClosedError,
  type RouterErrorCode,
} from './errors.js';
export type {
  AttemptEvent,
  AttemptSettledEvent,
  BudgetExhaustedEvent,
  EjectionBlockedEvent,
  EjectionEvent,
  EndpointEvent,
  HealthChangeEvent,
  HedgeEvent,
  PanicEvent,
  RetryEvent,
} from './events.js';
export {
  type BalancerName,
  balancerNames,
  type ExecuteOptions,
  type FailureRateOptions,
  type HealthCheckOptions,
  type HedgeOptions,
  type OutlierDetectionOptions,
  type RemoveOptions,
  type RetryOptions,
  type RouterOptions,
} from './options.js';
export { type PriorityLoad, priorityLoad, type TierHealth } from './priority-load.js';
export { parseRetryAfterHeader, type RetryAfterReader, readRetryAfter } from './retry-after.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export type { RetryLimiter, RetryLimiterStats } from './retry-limiter.js';
export { Router } from './router.js';
export { type RouteContext, RouterPolicy } from './router-policy.js';
export type { EndpointStats, EndpointStatus, RouterStats, TierStats } from './stats.js';
export { TokenRetryThrottle, type TokenRetryThrottleOptions } from './token-throttle.js';
