import { CircuitState } from 'cockatiel';
import type { CircuitKind } from './circuit-record.js';
import type { RejectionReason } from './errors.js';

/**
 * The names the breaker's instruments and span events use: metric names
 * `palisade.breaker.*`, attributes `palisade.breaker.*`, as in
 * ARCHITECTURE.md's vocabulary. Every attribute value comes from a fixed set
 * or the instrumentation's `name`: never from a key.
 */
export const ATTR_NAME = 'palisade.breaker.name';
export const ATTR_OUTCOME = 'palisade.breaker.outcome';
export const ATTR_STATE = 'palisade.breaker.state';
export const ATTR_REASON = 'palisade.breaker.reject.reason';
export const ATTR_RETRY_AFTER = 'palisade.breaker.retry_after';

export const EVENT_REJECT = 'palisade.breaker.reject';
export const EVENT_STATE_CHANGE = 'palisade.breaker.state_change';

/** The meter's (instrumentation scope's) name. */
export const SCOPE = '@palisade/breaker';

export type Outcome = 'success' | 'failure' | 'rejected';
export const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'rejected'];
export const STATES: readonly CircuitKind[] = ['closed', 'open', 'half-open', 'isolated'];

/** cockatiel's state as the attribute value: the circuit record's `kind`. */
export function stateName(state: CircuitState): CircuitKind {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'isolated';
  }
}

/** One frozen attribute set per value, made once, so that recording allocates nothing. */
export function attributeSets<V extends string>(
  name: string,
  key: string,
  values: readonly V[],
): Readonly<Record<V, Readonly<Record<string, string>>>> {
  const sets = {} as Record<V, Readonly<Record<string, string>>>;
  for (const value of values) sets[value] = Object.freeze({ [ATTR_NAME]: name, [key]: value });
  return sets;
}

/** The span event of a rejection: why, and in how many seconds to retry (left out when isolated: never). */
export function rejectEventAttributes(
  name: string,
  reason: RejectionReason,
  retryAfter: number,
): Record<string, string | number> {
  const attributes: Record<string, string | number> = { [ATTR_NAME]: name, [ATTR_REASON]: reason };
  if (Number.isFinite(retryAfter)) attributes[ATTR_RETRY_AFTER] = retryAfter / 1000;
  return attributes;
}
