import { CircuitState } from 'cockatiel';

/**
 * The circuit's state as a store holds it: plain data, so that a shared store
 * (Redis, say) can keep it as is. Every transition increments `epoch`, which
 * is how a store applies transitions compare-and-set and how a breaker tells
 * a late outcome from a current one.
 */
export type CircuitRecord = ClosedRecord | OpenRecord | HalfOpenRecord | IsolatedRecord;

export interface ClosedRecord {
  readonly kind: 'closed';
  readonly epoch: number;
  /** Clock time at which the state began. */
  readonly since: number;
}

export interface OpenRecord {
  readonly kind: 'open';
  readonly epoch: number;
  readonly since: number;
  /** Clock time from which a call may probe. */
  readonly until: number;
  /** How many times the circuit has opened since it was last closed: 1 on the first trip. */
  readonly attempt: number;
}

export interface HalfOpenRecord {
  readonly kind: 'half-open';
  readonly epoch: number;
  readonly since: number;
  /** The `attempt` of the open period this probing follows. */
  readonly attempt: number;
}

export interface IsolatedRecord {
  readonly kind: 'isolated';
  readonly epoch: number;
  readonly since: number;
}

export type CircuitKind = CircuitRecord['kind'];

/** cockatiel's view of each state, for `breaker.state` and `onStateChange`. */
export function toCircuitState(kind: CircuitKind): CircuitState {
  switch (kind) {
    case 'closed':
      return CircuitState.Closed;
    case 'open':
      return CircuitState.Open;
    case 'half-open':
      return CircuitState.HalfOpen;
    case 'isolated':
      return CircuitState.Isolated;
  }
}

/** Whether `value` has the shape of a `CircuitRecord`, for restoring state from JSON. */
export function isCircuitRecord(value: unknown): value is CircuitRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (!isTime(record.epoch) || !Number.isSafeInteger(record.epoch) || (record.epoch as number) < 0) return false;
  if (!isTime(record.since)) return false;
  switch (record.kind) {
    case 'closed':
    case 'isolated':
      return true;
    case 'open':
      return isTime(record.until) && isAttempt(record.attempt);
    case 'half-open':
      return isAttempt(record.attempt);
    default:
      return false;
  }
}

const isTime = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isAttempt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;
