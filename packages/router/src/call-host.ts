import type { BreakerPermit } from '@palisade/breaker';
import type { Clock, Random } from '@palisade/core';
import type { LazyEmitters } from '@palisade/core/internal';
import type { Policy } from 'cockatiel';
import type { DeadlineQueue } from './deadline-queue.js';
import type { EndpointState } from './endpoint-state.js';
import type { AttemptKind } from './errors.js';
import type { RouterCallEvents, RouterRetryEvents } from './events.js';
import type { LatencyHistogram } from './latency-histogram.js';
import type { LentClock } from './lent-clock.js';
import type { ResolvedHedge, ResolvedRetry } from './resolved-options.js';
import type { RetryLimiter } from './retry-limiter.js';

/**
 * What one call asks for, checked: the router's defaults (one object shared
 * by every call that brings no options) or a call's own options.
 */
export interface CallSettings {
  /** The call's deadline, in ms from its start; Infinity for none. */
  readonly timeout: number;
  readonly attemptTimeout: number;
  /** The sticky balancer's key, hashed; undefined for a call without one. */
  readonly keyHash: number | undefined;
  readonly hedge: ResolvedHedge | undefined;
  /** Attempts of any kind after which no retry is made; 1 when the call does not retry. */
  readonly maxAttempts: number;
}

/** One shape for every `CallSettings`, so that a call reads them through one hidden class. */
export function callSettings(
  timeout: number,
  attemptTimeout: number,
  keyHash: number | undefined,
  hedge: ResolvedHedge | undefined,
  maxAttempts: number,
): CallSettings {
  return { timeout, attemptTimeout, keyHash, hedge, maxAttempts };
}

/** A call asking the router for an endpoint for its next attempt. */
export interface RouteRequest<A> {
  /** Attempts the call has started so far. */
  readonly started: number;
  readonly settings: CallSettings;
  /** Whether the call already has an attempt on `endpoint`. */
  tried(endpoint: EndpointState): boolean;
  /** Builds the attempt once the router has picked its endpoint and taken the breaker's permit. */
  attemptOn(endpoint: EndpointState, permit: BreakerPermit | undefined, kind: AttemptKind, panic: boolean): A;
}

/**
 * What calls and attempts need of the router: its policies, routing, and the
 * counters behind `stats()`, which they move only through the counting
 * methods. `RouterCore` implements it; calls never see the core itself.
 */
export interface CallHost {
  readonly clock: Clock;
  /** What the breakers read: the host lends them the time a call has just read. */
  readonly breakerClock: LentClock;
  readonly random: Random;
  /** Which outcomes are failures. */
  readonly handle: Policy;
  /** Which failures are retried. */
  readonly retryHandle: Policy;
  readonly retry: ResolvedRetry | undefined;
  readonly limiter: RetryLimiter | undefined;
  readonly deadlines: DeadlineQueue;
  /** The call events' emitters; undefined until something subscribes to one, and then no call checks for listeners. */
  readonly callEvents: LazyEmitters<RouterCallEvents> | undefined;
  /** The retry events' emitters, apart from the call events: a listener to these costs a call with one attempt nothing. */
  readonly retryEvents: LazyEmitters<RouterRetryEvents> | undefined;
  /** Recent successful attempts' latencies, kept once a call hedges by percentile. */
  readonly latencies: LatencyHistogram | undefined;

  /**
   * Picks the endpoint for a call's next attempt, takes its breaker's permit,
   * and has the call build the attempt; or returns the error that says why
   * no endpoint could take it.
   */
  route<A>(request: RouteRequest<A>, kind: AttemptKind, now: number): A | Error;
  /** The delay before a hedge by percentile; NaN while too few attempts have succeeded. */
  hedgeDelay(percentile: number): number;
  /** An attempt on `endpoint` failed. */
  markFailed(endpoint: EndpointState, now: number): void;
  /** A probe of `endpoint` reported or released its permit. */
  probeEnded(endpoint: EndpointState): void;

  attemptStarted(): void;
  retryStarted(): void;
  hedgeStarted(): void;
  /** A hedge's success settled its call. */
  hedgeWon(): void;
  /** The budget refused a retry or a hedge. */
  budgetRefused(): void;
  /** No endpoint could take a call's attempt. */
  noEndpointFound(): void;
  // A call ends in exactly one of these.
  callSucceeded(): void;
  callFailed(): void;
  callCancelled(): void;
  /** The call's deadline passed: a failure, counted in `deadlineExceeded` too. */
  callTimedOut(): void;
}
