import type { CircuitKind } from './circuit-record.js';
import type { CircuitOp } from './redis-circuit-script.js';
import type { ProbeLeaseLink } from './redis-probe-leases.js';
import type { ScriptReply } from './redis-remote-record.js';

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
  /** Runs the circuit script; `onReply` may come after `onFailure` (a reply later than the timeout). */
  send(
    name: string,
    op: CircuitOp,
    args: readonly (string | number)[],
    onReply: (reply: ScriptReply) => void,
    onFailure: () => void,
  ): void;
  forget(store: Store): void;
  /** Keeps `store` from being garbage-collected until `release`. */
  hold(store: Store): void;
  release(store: Store): void;
  reconciled(event: RedisBreakerReconcileEvent): void;
}
