import { describe, expectTypeOf, it } from 'vitest';
import type { QueueCondition, QueueErrorCode, QueueKey, ShardedQueueOptions } from './index.js';
import {
  type JobFailedError,
  type JobLostError,
  type JobNotFoundError,
  QueueClearedError,
  QueueClosedError,
  QueueFullError,
  type QueueUnavailableError,
  ShardedQueue,
} from './index.js';

describe('types', () => {
  it('infers the result type of add', () => {
    const queue = new ShardedQueue();
    expectTypeOf(queue.add('k', () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(queue.add(7, async () => 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('needs keyOf exactly when keys are not strings or numbers', () => {
    expectTypeOf<ShardedQueueOptions<string>>().toHaveProperty('keyOf');
    // @ts-expect-error: object keys need a keyOf
    new ShardedQueue<{ id: string }>();
    // @ts-expect-error: …and the options object must have it
    new ShardedQueue<{ id: string }>({ shards: 2 });
    const queue = new ShardedQueue<{ id: string }>({ keyOf: (key) => key.id });
    // Type-checked, never run.
    const _misuse = () => {
      // @ts-expect-error: the key type is checked
      void queue.add('plain', () => 1);
    };
    expectTypeOf(queue.shardFor({ id: 'a' })).toEqualTypeOf<number>();
    expectTypeOf<QueueKey>().toEqualTypeOf<string | number>();
  });

  it('has both forms of the conditions', () => {
    const queue = new ShardedQueue();
    expectTypeOf(queue.onIdle).toEqualTypeOf<QueueCondition>();
    expectTypeOf(queue.onIdle()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(queue.onIdle(() => {})).toHaveProperty('dispose');
    expectTypeOf(queue.onSizeLessThan(3)).toEqualTypeOf<Promise<void>>();
  });

  it('types each error code as a member of QueueErrorCode, so a switch over it is checked', () => {
    expectTypeOf(new QueueFullError('maxSize', 1, 0).code).toEqualTypeOf<'ERR_PALISADE_QUEUE_FULL'>();
    expectTypeOf(new QueueClearedError().code).toEqualTypeOf<'ERR_PALISADE_QUEUE_CLEARED'>();
    expectTypeOf(new QueueClosedError().code).toEqualTypeOf<'ERR_PALISADE_QUEUE_CLOSED'>();
    expectTypeOf<QueueErrorCode>().toEqualTypeOf<
      | QueueFullError['code']
      | QueueClearedError['code']
      | QueueClosedError['code']
      | JobFailedError['code']
      | JobNotFoundError['code']
      | JobLostError['code']
      | QueueUnavailableError['code']
    >();
    const advice = (code: QueueErrorCode): string => {
      switch (code) {
        case 'ERR_PALISADE_QUEUE_FULL':
        case 'ERR_PALISADE_QUEUE_UNAVAILABLE':
          return 'retry later';
        case 'ERR_PALISADE_QUEUE_CLEARED':
        case 'ERR_PALISADE_QUEUE_CLOSED':
        case 'ERR_PALISADE_QUEUE_JOB_FAILED':
        case 'ERR_PALISADE_QUEUE_JOB_NOT_FOUND':
        case 'ERR_PALISADE_QUEUE_JOB_LOST':
          return 'give up';
      }
    };
    expectTypeOf(advice).returns.toEqualTypeOf<string>();
  });
});
