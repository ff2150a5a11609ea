import type { QueueClosedError, QueueFullError } from './errors.js';
import type { QueueKey } from './key.js';

/** Emitted by `onResize`, and kept as `stats().lastResize`. */
export interface ResizeEvent {
  /** Clock time of the resize. */
  readonly at: number;
  readonly change: 'added' | 'removed';
  /** The shard added or removed. */
  readonly shardId: number;
  readonly previousShardIds: readonly number[];
  readonly shardIds: readonly number[];
  /**
   * The fraction of a fixed sample of 4,096 keys whose shard changed (the
   * router's first choice, ignoring load). The key space itself is unknown to
   * the queue; this is the estimate of what fraction of it moved.
   */
  readonly movedFraction: number;
  /** What consistent hashing promises: 1/(n+1) on adding the (n+1)th shard, the removed shard's 1/n on removing. */
  readonly expectedMovedFraction: number;
  /** Keys with tasks waiting or running at the resize. */
  readonly keysInFlight: number;
  /** Of those, the keys that move: their new tasks park until the old shard has drained them. */
  readonly keysMoving: number;
}

/** Emitted by `onSpill`: the bounded-load router put a key past its first-choice shard. */
export interface SpillEvent {
  readonly key: QueueKey;
  /** The router's first choice, which was at capacity. */
  readonly preferredShardId: number;
  readonly shardId: number;
}

/** Emitted by `onHandoff`: a moving key drained from its old shard, and its parked tasks were released to the new one. */
export interface HandoffEvent {
  readonly key: QueueKey;
  readonly fromShardId: number;
  readonly toShardId: number;
  /** Tasks released. */
  readonly tasks: number;
}

/**
 * Emitted by `onReject`: `add` turned a task away, and the promise it
 * returned rejects with `error`. The task did not run. `'full'`: a limit was
 * reached and the task's `whenFull` is `'reject'`; `'closed'`: the queue was
 * closed.
 */
export type QueueRejectEvent =
  | { readonly reason: 'full'; readonly key: QueueKey; readonly error: QueueFullError }
  | { readonly reason: 'closed'; readonly key: QueueKey; readonly error: QueueClosedError };

/** Emitted by `onSuccess`: a task ran and fulfilled. The shape of cockatiel's `ISuccessEvent`. */
export interface TaskSuccessEvent {
  /** Milliseconds it ran, on the queue's clock, from its start (the time it waited is not in it). */
  readonly duration: number;
}

/**
 * Emitted by `onFailure`: a task ran and failed (rejected, threw, timed out,
 * or was aborted while running). The shape of cockatiel's `IFailureEvent`.
 */
export interface TaskFailureEvent {
  /** Milliseconds it ran, from its start. */
  readonly duration: number;
  /** Always true: every failure of a task counts. */
  readonly handled: boolean;
  /** What it failed with. */
  readonly reason: { readonly error: unknown };
}

/** The queue's events by name, as its `LazyEmitters` holds them. */
export interface QueueEvents {
  readonly resize: ResizeEvent;
  readonly spill: SpillEvent;
  readonly handoff: HandoffEvent;
  readonly reject: QueueRejectEvent;
  readonly success: TaskSuccessEvent;
  readonly failure: TaskFailureEvent;
}
