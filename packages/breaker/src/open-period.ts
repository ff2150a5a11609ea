import { NEVER_ABORTED_SIGNAL } from '@palisade/core/internal';
import type { FailureReason, IBackoff, IBackoffFactory, IHalfOpenAfterBackoffContext } from 'cockatiel';

/** A step of the `halfOpenAfter` backoff, and the opening in a row it was computed for. */
export interface BackoffPosition {
  readonly step: IBackoff<IHalfOpenAfterBackoffContext>;
  readonly attempt: number;
}

/**
 * The backoff's step for the `attempt`-th opening in a row. A backoff is a
 * chain of immutable steps: the next one follows from `previous` when that was
 * the opening before; otherwise (the store moved the circuit elsewhere, or
 * state was restored) the chain is replayed from the start up to `attempt`.
 */
export function backoffAt(
  backoff: IBackoffFactory<IHalfOpenAfterBackoffContext>,
  previous: BackoffPosition | undefined,
  attempt: number,
  reason: FailureReason<unknown>,
): BackoffPosition {
  const context = (n: number): IHalfOpenAfterBackoffContext => ({
    attempt: n,
    result: reason,
    signal: NEVER_ABORTED_SIGNAL,
  });
  if (attempt > 1 && previous !== undefined && previous.attempt === attempt - 1) {
    return { step: previous.step.next(context(attempt)), attempt };
  }
  let step = backoff.next(context(1));
  for (let n = 2; n <= attempt; n++) step = step.next(context(n));
  return { step, attempt };
}

/** The open period a backoff step gives: NaN or a negative duration from a custom backoff means "probe at once", never "never". */
export function openDurationOf(position: BackoffPosition): number {
  const duration = position.step.duration;
  return Number.isNaN(duration) || duration < 0 ? 0 : duration;
}
