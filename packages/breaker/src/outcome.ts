import type { FailureReason, Policy } from 'cockatiel';

/**
 * How a call ended, as the core is told: a value or an error from `execute`,
 * which the `handle` policies classify, or a permit's success or failure,
 * which its caller already classified.
 */
export const OUTCOME_VALUE = 0;
export const OUTCOME_ERROR = 1;
export const OUTCOME_SUCCESS = 2;
export const OUTCOME_FAILURE = 3;
export type OutcomeKind = typeof OUTCOME_VALUE | typeof OUTCOME_ERROR | typeof OUTCOME_SUCCESS | typeof OUTCOME_FAILURE;

/** Whether `handle` counts the outcome as a failure; a permit's outcome says so itself. */
export function classify(handle: Policy, kind: OutcomeKind, outcome: unknown): boolean {
  if (kind === OUTCOME_VALUE) return handle.options.resultFilter(outcome);
  if (kind === OUTCOME_ERROR) return handle.options.errorFilter(outcome);
  return kind === OUTCOME_FAILURE;
}

/** The outcome as cockatiel's `FailureReason`: what `onBreak`, `onFailure` and the backoff receive. */
export function failureReasonOf(kind: OutcomeKind, outcome: unknown): FailureReason<unknown> {
  return kind === OUTCOME_VALUE || kind === OUTCOME_SUCCESS ? { value: outcome } : { error: outcome };
}
