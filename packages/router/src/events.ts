import type { FailureReason, IFailureEvent, ISuccessEvent } from 'cockatiel';
import type { Endpoint } from './endpoint.js';
import type { AttemptKind } from './errors.js';

/** An attempt started. */
export interface AttemptEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
  /** 1 for a call's first attempt, then 2, 3, … */
  readonly attempt: number;
  readonly kind: AttemptKind;
  /** Whether it is the probe that decides if an ejected endpoint returns. */
  readonly probe: boolean;
  /** Whether it went to an endpoint out of rotation because its tier is in panic. */
  readonly panic: boolean;
}

/** An attempt ended. */
export interface AttemptSettledEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
  readonly attempt: number;
  readonly kind: AttemptKind;
  /**
   * `success`: the endpoint answered and `handle` did not call it a failure.
   * `failure`: it did. `timed-out`: it ran past `attemptTimeout`; it counts
   * as a failure. `abandoned`: the call ended without it (its deadline
   * passed, another attempt won, the caller cancelled, the endpoint was
   * removed); it counts for nothing.
   */
  readonly outcome: 'success' | 'failure' | 'timed-out' | 'abandoned';
  /** Milliseconds it ran. */
  readonly duration: number;
  /** The error, for failures with one. */
  readonly error?: unknown;
}

/** A failed call is retried. */
export interface RetryEvent<D = unknown> {
  /** The endpoint that failed. */
  readonly endpoint: Endpoint<D>;
  /** The number the retry's attempt will have. */
  readonly attempt: number;
  /** Milliseconds before it starts: the backoff, or the server's retry-after hint if longer. */
  readonly delay: number;
  readonly reason: FailureReason<unknown>;
}

/** A hedged attempt started (`onHedge`): the call's earlier attempts had not answered within the hedge delay. */
export interface HedgeEvent<D = unknown> {
  /** Where the hedge goes. */
  readonly endpoint: Endpoint<D>;
  /** The number of the hedge's attempt: 2 for a call's first hedge, unless a retry came first. */
  readonly attempt: number;
  /** Hedges this call has started, this one included. */
  readonly hedges: number;
}

/** A retry or a hedge was not made because the retry budget (or throttle) refused it. */
export interface BudgetExhaustedEvent {
  readonly kind: 'retry' | 'hedge';
}

/** Outlier detection ejected an endpoint. */
export interface EjectionEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
  /** How long this ejection lasts, in milliseconds. */
  readonly duration: number;
  /** Clock time at which it ends and a probe may go through. */
  readonly until: number;
  /** Its ejection multiplier now: 1 on a first ejection, growing while it keeps failing. */
  readonly level: number;
  /** Whether it was ejected again straight after a failed probe. */
  readonly afterProbe: boolean;
}

/** An endpoint would have been ejected, but `maxEjectionPercent` endpoints already are. */
export interface EjectionBlockedEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
  /** Endpoints ejected at the moment. */
  readonly ejected: number;
}

/** An endpoint's availability changed. */
export interface EndpointEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
}

/** Active health checking marked an endpoint unhealthy, or healthy again. */
export interface HealthChangeEvent<D = unknown> {
  readonly endpoint: Endpoint<D>;
  readonly healthy: boolean;
}

/** A priority tier entered or left panic. */
export interface PanicEvent {
  readonly priority: number;
  readonly panic: boolean;
}

/**
 * The events every call fires, by name, with their payloads. They have an
 * emitter group of their own, so that a listener to the endpoints' events, or
 * to retries and hedges, costs a call that goes straight through nothing.
 */
export interface RouterCallEvents {
  attempt: AttemptEvent<unknown>;
  attemptSettled: AttemptSettledEvent<unknown>;
  success: ISuccessEvent;
  failure: IFailureEvent;
}

/** The events of the calls that want more than one attempt: retries, hedges, and the budget refusing them. */
export interface RouterRetryEvents {
  retry: RetryEvent<unknown>;
  hedge: HedgeEvent<unknown>;
  budgetExhausted: BudgetExhaustedEvent;
}

/** The events of the endpoint set, its ejections, health and tiers, by name, with their payloads. */
export interface RouterEndpointEvents {
  eject: EjectionEvent<unknown>;
  ejectionBlocked: EjectionBlockedEvent<unknown>;
  return: EndpointEvent<unknown>;
  probe: EndpointEvent<unknown>;
  healthChange: HealthChangeEvent<unknown>;
  added: EndpointEvent<unknown>;
  removed: EndpointEvent<unknown>;
  panic: PanicEvent;
}
