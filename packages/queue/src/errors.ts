import { PalisadeError } from '@palisade/core';

/** The `code` of each error the queue defines; the errors it shares with core have core's codes. */
export type QueueErrorCode =
  | 'ERR_PALISADE_QUEUE_FULL'
  | 'ERR_PALISADE_QUEUE_CLEARED'
  | 'ERR_PALISADE_QUEUE_CLOSED'
  | 'ERR_PALISADE_QUEUE_JOB_FAILED'
  | 'ERR_PALISADE_QUEUE_JOB_NOT_FOUND'
  | 'ERR_PALISADE_QUEUE_JOB_LOST'
  | 'ERR_PALISADE_QUEUE_UNAVAILABLE';

/** Which limit a full queue hit. */
export type QueueLimit = 'maxSize' | 'maxShardSize';

/**
 * `add` found no room (the `whenFull: 'reject'` mode). The task was not
 * queued and will not run.
 */
export class QueueFullError extends PalisadeError {
  override readonly name: string = 'QueueFullError';
  declare readonly code: 'ERR_PALISADE_QUEUE_FULL';
  /** The option whose limit was reached: `maxSize` (the whole queue) or `maxShardSize` (the task's shard). */
  readonly limit: QueueLimit;
  /** That option's value: how many waiting tasks the limit allows. */
  readonly capacity: number;
  /** The shard the task was routed to. */
  readonly shardId: number;

  constructor(limit: QueueLimit, capacity: number, shardId: number) {
    super(
      'ERR_PALISADE_QUEUE_FULL',
      limit === 'maxSize'
        ? `The queue holds its maximum of ${capacity} waiting tasks. Retry later, raise maxSize, or set whenFull: 'wait' to wait for room.`
        : `Shard ${shardId} holds its maximum of ${capacity} waiting tasks. Retry later, raise maxShardSize, add shards, or set whenFull: 'wait' to wait for room.`,
    );
    this.limit = limit;
    this.capacity = capacity;
    this.shardId = shardId;
  }
}

/** `clear()` removed the task before it started. It did not run. */
export class QueueClearedError extends PalisadeError {
  override readonly name: string = 'QueueClearedError';
  declare readonly code: 'ERR_PALISADE_QUEUE_CLEARED';

  constructor() {
    super('ERR_PALISADE_QUEUE_CLEARED', 'The queue was cleared before this task started; it did not run.');
  }
}

/** The queue was closed: the task was added after `close()`, or was still waiting when `close()` ran. It did not run. */
export class QueueClosedError extends PalisadeError {
  override readonly name: string = 'QueueClosedError';
  declare readonly code: 'ERR_PALISADE_QUEUE_CLOSED';

  constructor() {
    super(
      'ERR_PALISADE_QUEUE_CLOSED',
      'The queue is closed; this task did not run. Create a new queue, or close with { drain: true } to let waiting tasks finish.',
    );
  }
}
