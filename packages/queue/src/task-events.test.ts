import { VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { ShardedQueue } from './sharded-queue.js';

const sleep = (clock: VirtualClock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

describe('ShardedQueue: onSuccess and onFailure', () => {
  it('tell each task’s end with how long it ran, not counting the time it waited', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 1, clock });
    const ends: string[] = [];
    queue.onSuccess(({ duration }) => ends.push(`ok ${duration}`));
    queue.onFailure(({ duration, handled, reason }) =>
      ends.push(`failed ${duration} ${handled} ${(reason.error as Error).message}`),
    );
    const first = queue.add('a', () => sleep(clock, 30));
    const second = queue
      .add('a', async () => {
        await sleep(clock, 20);
        throw new Error('boom');
      })
      .catch(() => {});
    const third = queue.add('a', () => 'sync');
    await clock.runAll();
    await first;
    await second;
    await third;
    expect(ends).toEqual(['ok 30', 'failed 20 true boom', 'ok 0']);
  });

  it('report a task that ran past its timeout as a failure of that duration', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, timeout: 50, clock });
    const ends: string[] = [];
    queue.onFailure(({ duration, reason }) => ends.push(`${duration} ${(reason.error as { code: string }).code}`));
    const hung = queue.add('a', () => new Promise(() => {})).catch(() => {});
    await clock.advance(50);
    await hung;
    expect(ends).toEqual(['50 ERR_PALISADE_DEADLINE_EXCEEDED']);
  });

  it('time only the tasks that start once someone listens', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 1, clock });
    const before = queue.add('a', () => sleep(clock, 10));
    await clock.advance(1);
    const durations: number[] = [];
    queue.onSuccess(({ duration }) => durations.push(duration));
    const after = queue.add('a', () => sleep(clock, 10));
    await clock.runAll();
    await Promise.all([before, after]);
    expect(durations).toEqual([10]);
  });
});
