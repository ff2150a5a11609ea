import type { CircuitKind } from './circuit-record.js';
import type { ProbeLeaseLink } from './redis-probe-leases.js';

/** What `onReconcile` carries: a store ran on its own and has met the shared state again. */
export interface RedisBreakerReconcileEvent {
  readonly name: string;
  /** The state this process had reached on its own. */
  readonly local: CircuitKind;
  /** The shared state it found in Redis. */
  readonly remote: CircuitKind;
  /** The state both now hold: an open (or isolated) circuit wins over a closed one. */
  readonly result: CircuitKind;
}

/**
 * What a store needs from its backend. `Store` is the store's own type, left
 * open so that this contract sits below both the store and the backend.
 */
export interface CircuitLink<Store = unknown> extends ProbeLeaseLink {
  /** Whether Redis answers and the subscription is live. */
  readonly connected: boolean;
  /** Redis time minus local time, in ms. */
  readonly offset: number;
  readonly quorum: number;
  readonly quorumWindow: number;
  readonly id: string;
  /** A tick that moves on with every command sent and every change heard: what orders replies against changes. */
  readonly sequence: number;
  forget(store: Store): void;
  /** Keeps `store` from being garbage-collected until `release`. */
  hold(store: Store): void;
  release(store: Store): void;
  reconciled(event: RedisBreakerReconcileEvent): void;
}
