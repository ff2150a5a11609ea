import { BreakerHalfOpenError, BreakerIsolatedError, BreakerOpenError, type BreakerRejectedError } from './errors.js';
import { REJECTED_HALF_OPEN, REJECTED_ISOLATED } from './ticket.js';

/**
 * The promise `execute` returns for every call turned away in one state (one
 * epoch) for one reason: already rejected, and already observed. Building a
 * fresh error and a fresh rejected promise per call is most of what a
 * rejection costs in Node: the error, and the unhandled-rejection bookkeeping
 * of a promise rejected with no handler yet (bench/RESULTS.md, breaker, "Open
 * state: rejecting a call", sets that floor beside palisade's shared
 * rejection). One per state costs nothing per call.
 */
export interface SharedRejection {
  readonly epoch: number;
  readonly ticket: number;
  readonly promise: Promise<never>;
}

/** V8's knob; elsewhere setting it is harmless. */
const v8Error = Error as ErrorConstructor & { stackTraceLimit?: number };
const noop = (): void => {};

/** The shared rejection for `ticket` at `epoch`. The error reads `retryAfter` live, so it stays true for every caller. */
export function sharedRejection(epoch: number, ticket: number, retryAfter: () => number): SharedRejection {
  const promise = Promise.reject(rejectionError(ticket, retryAfter));
  promise.catch(noop);
  return { epoch, ticket, promise };
}

function rejectionError(ticket: number, retryAfter: () => number): BreakerRejectedError {
  // Shared by many calls, a stack would point at whichever call came first.
  const stackTraceLimit = v8Error.stackTraceLimit;
  v8Error.stackTraceLimit = 0;
  try {
    if (ticket === REJECTED_ISOLATED) return new BreakerIsolatedError();
    if (ticket === REJECTED_HALF_OPEN) return new BreakerHalfOpenError(0);
    return new BreakerOpenError(retryAfter);
  } finally {
    v8Error.stackTraceLimit = stackTraceLimit;
  }
}
