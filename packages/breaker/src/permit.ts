import { InvalidArgumentError } from '@palisade/core';
import type { BreakerCore } from './breaker-core.js';
import type { RejectionReason } from './errors.js';
import { isProbeTicket } from './ticket.js';

/** What `tryAcquire()` returns when the breaker turns a call away. */
export interface BreakerRejection {
  readonly admitted: false;
  readonly reason: RejectionReason;
  /** Milliseconds until the breaker may admit again (0 when half-open, Infinity when isolated). */
  readonly retryAfter: number;
}

/**
 * Permission for one call, from `tryAcquire()`: the caller runs and times the
 * call itself, then reports how it went, exactly once. resilience4j's
 * `tryAcquirePermission` / `onSuccess` / `onError` / `releasePermission`, as
 * one object, so an outcome can never be reported twice or to the wrong state.
 *
 * Report every permit: an unreported half-open probe holds its slot until
 * `halfOpen.maxDuration` passes.
 */
export class BreakerPermit {
  readonly admitted = true as const;
  readonly #core: BreakerCore;
  readonly #ticket: number;
  #settled = false;

  /** @internal Permits come from `tryAcquire()`. */
  constructor(core: BreakerCore, ticket: number) {
    this.#core = core;
    this.#ticket = ticket;
  }

  /** Whether this call is a half-open probe: its outcome decides whether the circuit closes. */
  get probe(): boolean {
    return isProbeTicket(this.#ticket);
  }

  /** Whether an outcome was reported or the permit released. */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * The call succeeded. It may still count as slow: `duration` (ms) is compared
   * with the rules' `slowCallDuration`. Returns false, and does nothing, if
   * the permit was already settled.
   */
  success(duration: number): boolean {
    checkDuration(duration);
    if (this.#settled) return false;
    this.#settled = true;
    this.#core.completePermit(this.#ticket, true, undefined, duration);
    return true;
  }

  /**
   * The call failed; `reason` (usually the error) reaches `onBreak` and the
   * backoff if this failure opens the circuit. The caller has classified it:
   * the breaker's `handle` is not consulted. Returns false, and does nothing,
   * if the permit was already settled.
   */
  failure(reason: unknown, duration: number): boolean {
    checkDuration(duration);
    if (this.#settled) return false;
    this.#settled = true;
    this.#core.completePermit(this.#ticket, false, reason, duration);
    return true;
  }

  /**
   * The permit was not used, or its outcome says nothing about the dependency
   * (the caller cancelled). Nothing is counted, and a probe slot goes back.
   * Returns false if the permit was already settled.
   */
  release(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#core.release(this.#ticket);
    return true;
  }
}

function checkDuration(duration: number): void {
  if (typeof duration !== 'number' || !(duration >= 0) || duration === Number.POSITIVE_INFINITY) {
    throw new InvalidArgumentError('duration', 'a finite number of milliseconds ≥ 0', duration);
  }
}
