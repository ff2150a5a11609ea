import { PalisadeError } from '@palisade/core';

/** Which limit a full queue hit. */
export type QueueLimit = 'maxSize' | 'maxShardSize';

/**
 * `add` found no room (the `whenFull: 'reject'` mode). The task was not
 * queued and will not run.
 */
export class QueueFullError extends PalisadeError {
  override readonly name: string = 'QueueFullError';
  /** The limit that was reached. */
  readonly limit: QueueLimit;
  /** Its value. */
  readonly maxSize: number;
  /** The shard the task was routed to. */
  readonly shardId: number;

  constructor(limit: QueueLimit, maxSize: number, shardId: number) {
    super(
      'ERR_PALISADE_QUEUE_FULL',
      limit === 'maxSize'
        ? `The queue holds its maximum of ${maxSize} waiting tasks. Retry later, raise maxSize, or set whenFull: 'wait' to wait for room.`
        : `Shard ${shardId} holds its maximum of ${maxSize} waiting tasks. Retry later, raise maxShardSize, add shards, or set whenFull: 'wait' to wait for room.`,
    );
    this.limit = limit;
    this.maxSize = maxSize;
    this.shardId = shardId;
  }
}

/** `clear()` removed the task before it started. It did not run. */
export class QueueClearedError extends PalisadeError {
  override readonly name: string = 'QueueClearedError';

  constructor() {
    super('ERR_PALISADE_QUEUE_CLEARED', 'The queue was cleared before this task started; it did not run.');
  }
}

/** The queue was closed: the task was added after `close()`, or was still waiting when `close()` ran. It did not run. */
export class QueueClosedError extends PalisadeError {
  override readonly name: string = 'QueueClosedError';

  constructor() {
    super(
      'ERR_PALISADE_QUEUE_CLOSED',
      'The queue is closed; this task did not run. Create a new queue, or close with { drain: true } to let waiting tasks finish.',
    );
  }
}

/** Every `code` the queue package's own errors carry, for a checked `switch (error.code)`. */
export type QueueErrorCode =
  | 'ERR_PALISADE_QUEUE_FULL'
  | 'ERR_PALISADE_QUEUE_CLEARED'
  | 'ERR_PALISADE_QUEUE_CLOSED'
  | 'ERR_PALISADE_QUEUE_UNKNOWN_HANDLER'
  | 'ERR_PALISADE_QUEUE_PAYLOAD_NOT_JSON'
  | 'ERR_PALISADE_QUEUE_JOB_FAILED'
  | 'ERR_PALISADE_QUEUE_JOB_NOT_FOUND'
  | 'ERR_PALISADE_QUEUE_JOB_LOST'
  | 'ERR_PALISADE_QUEUE_UNAVAILABLE';
