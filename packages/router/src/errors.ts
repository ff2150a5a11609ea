import { brandError, DeadlineExceededError, PalisadeError } from '@palisade/core';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';

/** The codes of the router's own errors, so that a `switch (error.code)` over them is checked. */
export type RouterErrorCode =
  | 'ERR_PALISADE_ROUTER_NO_ENDPOINTS'
  | 'ERR_PALISADE_ROUTER_NO_HEALTHY_ENDPOINT'
  | 'ERR_PALISADE_ROUTER_BUDGET_EXHAUSTED'
  | 'ERR_PALISADE_ROUTER_ATTEMPT_TIMEOUT'
  | 'ERR_PALISADE_ROUTER_ENDPOINT_REMOVED'
  | 'ERR_PALISADE_ROUTER_CLOSED';

/** How one attempt of a call ended, as listed by the errors that end a call. */
export interface AttemptRecord {
  /** The endpoint's id. */
  readonly endpoint: string;
  /** 1 for the first attempt, then 2, 3, … in the order they started. */
  readonly attempt: number;
  readonly kind: AttemptKind;
  /**
   * `failed`: the endpoint answered with a failure (an error or a result that `handle` selects).
   * `timed-out`: the per-attempt timeout passed (`attemptTimeout`): it counts against the endpoint.
   * `abandoned`: the call ended first (its deadline, its caller, or another attempt won): it does not.
   * `in-flight`: still running when the error was built.
   */
  readonly outcome: 'failed' | 'timed-out' | 'abandoned' | 'in-flight';
  /** The error it failed with, if any. */
  readonly error?: unknown;
  /** Clock time at which it started. */
  readonly startedAt: number;
  /** Milliseconds it ran. */
  readonly duration: number;
}

/** Why an attempt was made: the first one, a retry after a failure, or a hedge after a delay. */
export type AttemptKind = 'first' | 'retry' | 'hedge';

/** Why an endpoint could not take a call; see `NoHealthyEndpointError`. */
export interface EndpointUnavailability {
  readonly endpoint: string;
  /**
   * `ejected`: outlier detection took it out of rotation (`retryAfter` says for how long).
   * `probing`: its ejection ended and a probe call is deciding whether it returns.
   * `unhealthy`: it failed its active health checks.
   * `tried`: this call already tried it.
   */
  readonly reason: 'ejected' | 'probing' | 'unhealthy' | 'tried';
  /** Milliseconds until it may take calls again; 0 when unknown or now. */
  readonly retryAfter: number;
}

/**
 * `execute` was called on a router with no endpoints. Add some with
 * `router.add()`, or pass `endpoints` at construction.
 */
export class EmptyEndpointSetError extends PalisadeError {
  override readonly name: string = 'EmptyEndpointSetError';
  declare readonly code: 'ERR_PALISADE_ROUTER_NO_ENDPOINTS';

  constructor() {
    super(
      'ERR_PALISADE_ROUTER_NO_ENDPOINTS',
      'The router has no endpoints, so the call cannot go anywhere. Add endpoints with router.add() or the `endpoints` option.',
    );
  }
}

/**
 * Every endpoint is out of rotation (ejected, probing, failing health checks)
 * and the panic threshold did not send the call to them anyway. A cockatiel
 * `BrokenCircuitError`: to a caller, the whole set behaves like one open
 * circuit, so existing `catch (BrokenCircuitError)` fallbacks keep working.
 */
export class NoHealthyEndpointError extends BrokenCircuitError {
  override readonly name: string = 'NoHealthyEndpointError';
  declare readonly code: 'ERR_PALISADE_ROUTER_NO_HEALTHY_ENDPOINT';
  /** Each endpoint and why it could not take the call. */
  readonly endpoints: readonly EndpointUnavailability[];
  /** The attempts this call made before running out of endpoints. */
  readonly attempts: readonly AttemptRecord[];

  constructor(endpoints: readonly EndpointUnavailability[], attempts: readonly AttemptRecord[] = [], cause?: unknown) {
    super(
      `No endpoint can take this call: ${endpoints.map(describeUnavailability).join(', ')}. Wait \`retryAfter\` ms, fall back, or set panicThreshold so that the router spreads calls over every endpoint when too few are healthy.`,
    );
    this.endpoints = endpoints;
    this.attempts = attempts;
    if (cause !== undefined) this.cause = cause;
    brandError(this, 'ERR_PALISADE_ROUTER_NO_HEALTHY_ENDPOINT');
  }

  /** Milliseconds until the first endpoint may take calls again. */
  get retryAfter(): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const each of this.endpoints) soonest = Math.min(soonest, each.retryAfter);
    return soonest === Number.POSITIVE_INFINITY ? 0 : soonest;
  }
}

function describeUnavailability({ endpoint, reason, retryAfter }: EndpointUnavailability): string {
  if (reason === 'ejected') return `${endpoint} (ejected for ${retryAfter} ms more)`;
  if (reason === 'probing') return `${endpoint} (a probe call is deciding whether it returns)`;
  if (reason === 'unhealthy') return `${endpoint} (failing its health checks)`;
  return `${endpoint} (already tried by this call)`;
}

/**
 * A call failed and deserved a retry, but the retry budget (or the token
 * throttle) had nothing left: too many of the recent calls were retries
 * already. The failure that would have been retried is the `cause`.
 */
export class RetryBudgetExhaustedError extends PalisadeError {
  override readonly name: string = 'RetryBudgetExhaustedError';
  declare readonly code: 'ERR_PALISADE_ROUTER_BUDGET_EXHAUSTED';
  readonly attempts: readonly AttemptRecord[];

  constructor(cause: unknown, attempts: readonly AttemptRecord[]) {
    super(
      'ERR_PALISADE_ROUTER_BUDGET_EXHAUSTED',
      'The call failed and the retry budget is exhausted: retries are already a large share of recent calls, so this one was not retried, to avoid a retry storm. The failure is the `cause`.',
      { cause },
    );
    this.attempts = attempts;
  }
}

/**
 * The call's deadline passed before any attempt succeeded. A core
 * `DeadlineExceededError` (and so a cockatiel `TaskCancelledError`), with the
 * attempts that were made.
 */
export class CallDeadlineExceededError extends DeadlineExceededError {
  override readonly name: string = 'CallDeadlineExceededError';
  readonly attempts: readonly AttemptRecord[];

  constructor(timeout: number, attempts: readonly AttemptRecord[]) {
    super(
      timeout,
      `The call's deadline of ${timeout} ms passed after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}${attempts.length === 0 ? '' : ` (${attempts.map((a) => `${a.endpoint}: ${a.outcome}`).join(', ')})`}. Raise \`timeout\`, or look at why the endpoints are slow.`,
    );
    this.attempts = attempts;
  }
}

/**
 * An attempt ran past its `attemptTimeout` (Envoy's per-try timeout): it was
 * aborted, counted against its endpoint, and retried elsewhere if the call
 * could. It is the reason of that attempt's signal. When the call ends on it
 * (no attempt or budget left, or no time before the deadline), the call
 * rejects with one that lists every attempt. A cockatiel `TaskCancelledError`,
 * as cockatiel's own timeout throws; not a `DeadlineExceededError`, which is
 * the call's deadline.
 */
export class AttemptTimeoutError extends TaskCancelledError {
  override readonly name: string = 'AttemptTimeoutError';
  declare readonly code: 'ERR_PALISADE_ROUTER_ATTEMPT_TIMEOUT';
  /** The id of the endpoint the attempt ran on. */
  readonly endpoint: string;
  /** The per-attempt timeout, in milliseconds. */
  readonly timeout: number;
  /** The call's attempts, when it ended on this timeout; empty as an attempt signal's reason. */
  readonly attempts: readonly AttemptRecord[];

  constructor(endpoint: string, timeout: number, attempts: readonly AttemptRecord[] = []) {
    super(
      `The attempt on endpoint "${endpoint}" ran past its attemptTimeout of ${timeout} ms${attempts.length === 0 ? '' : `, the last of ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} (${attempts.map((a) => `${a.endpoint}: ${a.outcome}`).join(', ')})`}. Raise \`attemptTimeout\`, or look at why the endpoints are slow.`,
    );
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.attempts = attempts;
    brandError(this, 'ERR_PALISADE_ROUTER_ATTEMPT_TIMEOUT');
  }
}

/**
 * The endpoint was removed with `{ abortInFlight: true }` while this attempt
 * ran. Attempts see it as their signal's reason; the router retries the call
 * on another endpoint.
 */
export class EndpointRemovedError extends PalisadeError {
  override readonly name: string = 'EndpointRemovedError';
  declare readonly code: 'ERR_PALISADE_ROUTER_ENDPOINT_REMOVED';
  readonly endpoint: string;

  constructor(endpoint: string) {
    super(
      'ERR_PALISADE_ROUTER_ENDPOINT_REMOVED',
      `Endpoint "${endpoint}" was removed from the router while this attempt ran; the call fails over to another endpoint.`,
    );
    this.endpoint = endpoint;
  }
}

/** `execute` after `close()`. */
export class RouterClosedError extends PalisadeError {
  override readonly name: string = 'RouterClosedError';
  declare readonly code: 'ERR_PALISADE_ROUTER_CLOSED';

  constructor() {
    super('ERR_PALISADE_ROUTER_CLOSED', 'The router was closed and takes no more calls. Create a new one.');
  }
}
