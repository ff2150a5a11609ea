import type { LazyEmitters } from '@palisade/core/internal';
import type { CircuitState } from 'cockatiel';
import type { BreakerRejectEvent } from './breaker-events.js';
import type { CircuitKind } from './circuit-record.js';

/** A registry's events that its breakers feed, by name, with their payloads. */
export interface RegistryTallyEvents {
  stateChange: CircuitState;
  reject: BreakerRejectEvent;
}

/**
 * A registry's running totals, kept up to date by its breakers as they go, so
 * that `registry.stats()` costs the same with a million keys as with one and
 * a dropped breaker does not take back what it counted. Each breaker the
 * registry holds points here; one it drops is detached, and later calls made
 * through a reference someone kept are its own business.
 */
export class RegistryTally {
  calls = 0;
  successes = 0;
  failures = 0;
  slowCalls = 0;
  rejections = 0;
  inFlight = 0;
  opens = 0;
  /** Breakers attached now, by the state each last saw its circuit in. */
  closed = 0;
  open = 0;
  halfOpen = 0;
  isolated = 0;
  /** The registry's, so that its `onStateChange` and `onReject` hear every breaker without a subscription per key. */
  emitters: LazyEmitters<RegistryTallyEvents> | undefined;

  /** A breaker whose circuit is in `kind` joins, or moves into `kind`. */
  enter(kind: CircuitKind): void {
    switch (kind) {
      case 'closed':
        this.closed++;
        break;
      case 'open':
        this.open++;
        break;
      case 'half-open':
        this.halfOpen++;
        break;
      case 'isolated':
        this.isolated++;
        break;
    }
  }

  /** A breaker whose circuit is in `kind` leaves, or moves out of `kind`. */
  leave(kind: CircuitKind): void {
    switch (kind) {
      case 'closed':
        this.closed--;
        break;
      case 'open':
        this.open--;
        break;
      case 'half-open':
        this.halfOpen--;
        break;
      case 'isolated':
        this.isolated--;
        break;
    }
  }
}
