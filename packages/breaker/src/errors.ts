import { brandError, PalisadeError } from '@palisade/core';
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';

/** The codes of the breaker's errors, so that a `switch (error.code)` over them is checked. */
export type BreakerErrorCode =
  | 'ERR_PALISADE_BREAKER_OPEN'
  | 'ERR_PALISADE_BREAKER_HALF_OPEN'
  | 'ERR_PALISADE_BREAKER_ISOLATED'
  | 'ERR_PALISADE_BREAKER_PROBE_TIMEOUT'
  | 'ERR_PALISADE_BREAKER_STORE_CONFLICT'
  | 'ERR_PALISADE_BREAKER_BACKEND_CLOSED';

/** Why a call was turned away: the circuit was open, its half-open probe slots were taken, or it was isolated. */
export type RejectionReason = 'open' | 'half-open' | 'isolated';

/**
 * `retryAfter` either is fixed or follows the clock. A breaker hands one
 * rejection error to every call it turns away in the same open period, so its
 * `retryAfter` must be read live rather than frozen at the first rejection.
 */
export type RetryAfter = number | (() => number);

function readRetryAfter(retryAfter: RetryAfter): number {
  return typeof retryAfter === 'function' ? retryAfter() : retryAfter;
}

/**
 * Thrown by `execute` while the circuit is open. A cockatiel
 * `BrokenCircuitError`, so existing `catch` blocks and `isBrokenCircuitError`
 * keep working.
 */
export class BreakerOpenError extends BrokenCircuitError {
  override readonly name: string = 'BreakerOpenError';
  declare readonly code: 'ERR_PALISADE_BREAKER_OPEN';
  readonly reason: RejectionReason = 'open';
  readonly #retryAfter: RetryAfter;

  /** @param retryAfter Milliseconds until the breaker lets a probe through, or a function that reads them. */
  constructor(retryAfter: RetryAfter = 0) {
    super(
      'The circuit breaker is open: the dependency failed too often, so calls are rejected without running. Retry after `retryAfter` ms, or fall back.',
    );
    this.#retryAfter = retryAfter;
    brandError(this, 'ERR_PALISADE_BREAKER_OPEN');
  }

  /** Milliseconds from now until the breaker lets a probe call through. */
  get retryAfter(): number {
    return readRetryAfter(this.#retryAfter);
  }
}

/**
 * Thrown by `execute` while the circuit is half-open and every probe slot is
 * taken. Unlike cockatiel, palisade does not queue these calls: they fail at
 * once, so a caller never waits on someone else's probe.
 */
export class BreakerHalfOpenError extends BrokenCircuitError {
  override readonly name: string = 'BreakerHalfOpenError';
  declare readonly code: 'ERR_PALISADE_BREAKER_HALF_OPEN';
  readonly reason: RejectionReason = 'half-open';
  readonly #retryAfter: RetryAfter;

  /** @param retryAfter 0: admission depends on the probes in flight, not on time. */
  constructor(retryAfter: RetryAfter = 0) {
    super(
      'The circuit breaker is half-open and its probe calls are in flight, so this call was rejected without running. Retry shortly, or fall back.',
    );
    this.#retryAfter = retryAfter;
    brandError(this, 'ERR_PALISADE_BREAKER_HALF_OPEN');
  }

  /** Always 0: the probes in flight decide, not time. */
  get retryAfter(): number {
    return readRetryAfter(this.#retryAfter);
  }
}

/**
 * Thrown by `execute` while the circuit is isolated (held open by hand with
 * `isolate()`). A cockatiel `IsolatedCircuitError`, which is itself a
 * `BrokenCircuitError`.
 */
export class BreakerIsolatedError extends IsolatedCircuitError {
  override readonly name: string = 'BreakerIsolatedError';
  declare readonly code: 'ERR_PALISADE_BREAKER_ISOLATED';
  readonly reason: RejectionReason = 'isolated';

  constructor() {
    super();
    this.message =
      'The circuit breaker is isolated: it was opened by hand and stays open until every isolate() handle is disposed or reset() is called.';
    brandError(this, 'ERR_PALISADE_BREAKER_ISOLATED');
  }

  /** Infinity: only a release by hand ends isolation. */
  get retryAfter(): number {
    return Number.POSITIVE_INFINITY;
  }
}

/** Any of the errors a breaker rejects a call with. */
export type BreakerRejectedError = BreakerOpenError | BreakerHalfOpenError | BreakerIsolatedError;

/** True for the errors a palisade breaker rejects calls with. */
export function isBreakerRejectedError(value: unknown): value is BreakerRejectedError {
  return (
    value instanceof BreakerOpenError || value instanceof BreakerHalfOpenError || value instanceof BreakerIsolatedError
  );
}

/**
 * The reason given to `onBreak` and to the backoff when the half-open probes
 * did not all settle within `halfOpen.maxDuration`. Never thrown to callers.
 */
export class ProbeTimeoutError extends PalisadeError {
  override readonly name: string = 'ProbeTimeoutError';
  declare readonly code: 'ERR_PALISADE_BREAKER_PROBE_TIMEOUT';
  /** The limit that ran out, in milliseconds. */
  readonly maxDuration: number;

  constructor(maxDuration: number) {
    super(
      'ERR_PALISADE_BREAKER_PROBE_TIMEOUT',
      `The half-open probes did not settle within ${maxDuration} ms, so the circuit opened again. Give the calls a deadline (AbortSignal) so that they settle.`,
    );
    this.maxDuration = maxDuration;
  }
}

/** Another writer kept changing the store's record while this breaker tried to apply a manual transition. */
export class BreakerStoreConflictError extends PalisadeError {
  override readonly name: string = 'BreakerStoreConflictError';
  declare readonly code: 'ERR_PALISADE_BREAKER_STORE_CONFLICT';

  constructor() {
    super(
      'ERR_PALISADE_BREAKER_STORE_CONFLICT',
      'The breaker store kept changing under a manual transition (isolate, reset, setMode). Retry it; if it persists, the store is not honouring compare-and-set on epoch.',
    );
  }
}
