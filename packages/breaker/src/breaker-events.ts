import type { LazyEmitters } from '@palisade/core/internal';
import {
  type CircuitState,
  type FailureReason,
  HydratingCircuitError,
  type IFailureEvent,
  type ISuccessEvent,
} from 'cockatiel';
import type { CircuitRecord } from './circuit-record.js';
import type { RejectionReason } from './errors.js';

/** What `onBreak` carries: the failure that opened the circuit, or `{ isolated: true }` (as in cockatiel). */
export type BreakReason = FailureReason<unknown> | { readonly isolated: true };

/** What `onReject` carries: why a call was turned away, and when to try again. */
export interface BreakerRejectEvent {
  readonly reason: RejectionReason;
  /** Milliseconds until the breaker may admit again: see `retryAfter`. */
  readonly retryAfter: number;
}

/** A breaker's events by name, with their payloads: what its `LazyEmitters` carry. */
export interface BreakerEvents {
  break: BreakReason;
  // biome-ignore lint/suspicious/noConfusingVoidType: cockatiel's onReset is an Event<void>
  reset: void;
  // biome-ignore lint/suspicious/noConfusingVoidType: cockatiel's onHalfOpen is an Event<void>
  halfOpen: void;
  stateChange: CircuitState;
  success: ISuccessEvent;
  failure: IFailureEvent;
  reject: BreakerRejectEvent;
}

/**
 * Tells the listeners of a transition's own event: `onBreak` for open and
 * isolated, `onHalfOpen`, `onReset`. `onStateChange` is the caller's, since it
 * fires only if no listener has moved the circuit again meanwhile.
 */
export function announceTransition(
  emitters: LazyEmitters<BreakerEvents>,
  record: CircuitRecord,
  reason: FailureReason<unknown> | undefined,
): void {
  switch (record.kind) {
    case 'open':
      // A circuit found open in the store, with no failure of ours behind it, gets cockatiel's reason for that.
      if (emitters.heard('break')) emitters.emit('break', reason ?? { error: new HydratingCircuitError() });
      break;
    case 'isolated':
      if (emitters.heard('break')) emitters.emit('break', { isolated: true });
      break;
    case 'half-open':
      emitters.emit('halfOpen', undefined);
      break;
    case 'closed':
      emitters.emit('reset', undefined);
      break;
  }
}
