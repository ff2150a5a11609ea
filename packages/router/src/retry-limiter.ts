/**
 * What limits retries and hedges across all the calls of a router (or of
 * several routers that share one): Finagle's `RetryBudget`, gRPC's retry
 * throttle, or your own. The router tells it about calls and attempt
 * outcomes, and asks it before every retry and every hedge.
 *
 * Each method receives the router's current clock time, so an implementation
 * never has to read a clock on the hot path.
 */
export interface RetryLimiter {
  /** A call started: the deposit that earns future retries. */
  onCall(now: number): void;
  /** An attempt ended; `failed` is whether the router counted it as a failure. */
  onAttemptSettled(failed: boolean, now: number): void;
  /** Asks for one retry or hedge. True means it may go, and it is accounted for. */
  tryAcquire(now: number): boolean;
  /** A snapshot for dashboards. */
  stats(now: number): RetryLimiterStats;
}

export interface RetryLimiterStats {
  /** `budget` (Finagle), `throttle` (gRPC), or a custom limiter's name. */
  readonly kind: string;
  /** Retries that could go now; Infinity when the limiter allows retries without counting them (the throttle above half). */
  readonly available: number;
  /** The throttle's tokens; undefined for a budget. */
  readonly tokens?: number;
  /** Retries and hedges allowed so far. */
  readonly granted: number;
  /** Retries and hedges refused so far. */
  readonly refused: number;
}
