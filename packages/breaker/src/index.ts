// Re-exported so that `breaker.state === CircuitState.Open` needs no second import.
export { CircuitState } from 'cockatiel';
export type { BreakerRejectEvent, BreakReason } from './breaker-events.js';
export type { BreakerMode } from './breaker-mode.js';
export type { CircuitBreakerOptions, HalfOpenOptions } from './breaker-options.js';
export {
  BreakerRegistry,
  type BreakerRegistryOptions,
  type RegistryEntryEvent,
  type RegistryStats,
} from './breaker-registry.js';
export type { BreakerStats } from './breaker-stats.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type {
  CircuitKind,
  CircuitRecord,
  ClosedRecord,
  HalfOpenRecord,
  IsolatedRecord,
  OpenRecord,
} from './circuit-record.js';
export { type ConsecutiveFailuresOptions, ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
export { type CountWindowOptions, CountWindowRule, type CountWindowState } from './count-window-rule.js';
export {
  type BreakerErrorCode,
  BreakerHalfOpenError,
  BreakerIsolatedError,
  BreakerOpenError,
  type BreakerRejectedError,
  BreakerStoreConflictError,
  isBreakerRejectedError,
  ProbeTimeoutError,
  type RejectionReason,
  type RetryAfter,
} from './errors.js';
export type { BreakerPermit, BreakerRejection } from './permit.js';
export type { BreakerSnapshot } from './snapshot.js';
export { type BreakerStore, type BreakerStoreAttachment, MemoryBreakerStore, type ProbeTally } from './store.js';
export { type TimeWindowOptions, TimeWindowRule, type TimeWindowState } from './time-window-rule.js';
export type { RateRuleOptions, RuleMetrics, TripRule } from './trip-rule.js';
