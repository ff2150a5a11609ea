import { delay, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import type { ShardJob, ShardSpec } from './backend.js';
import { pQueueBackend } from './p-queue-backend.js';

interface Job extends ShardJob {
  readonly id: number;
}

function shard(overrides: Partial<ShardSpec<Job>>, execute: ShardSpec<Job>['execute']) {
  return pQueueBackend().createShard<Job>({
    shardId: 0,
    concurrency: 1,
    keyConcurrency: 1,
    orderedKeys: true,
    intervalCap: Number.POSITIVE_INFINITY,
    interval: 0,
    clock: new VirtualClock(),
    execute,
    ...overrides,
  });
}

describe('pQueueBackend', () => {
  it('never runs a job inside enqueue, and runs it on a later microtask', async () => {
    const ran: number[] = [];
    const backend = shard({}, (job) => {
      ran.push(job.id);
      return undefined;
    });
    backend.enqueue({ id: 1, key: 'a', priority: 0 });
    expect(ran).toEqual([]);
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toEqual([1]);
    await backend.close();
  });

  it('keeps at most `concurrency` jobs running, and fills freed slots', async () => {
    const clock = new VirtualClock();
    let running = 0;
    let peak = 0;
    let finished = 0;
    const backend = shard({ concurrency: 3, clock }, async () => {
      peak = Math.max(peak, ++running);
      await delay(10, { clock });
      running--;
      finished++;
    });
    for (let id = 0; id < 10; id++) backend.enqueue({ id, key: `k${id}`, priority: 0 });
    await clock.runAll();
    expect(finished).toBe(10);
    expect(peak).toBe(3);
    expect(clock.now()).toBe(40);
    await backend.close();
  });

  it('applies the rate limit on the given clock, waking itself when the window ends', async () => {
    const clock = new VirtualClock();
    const starts: number[] = [];
    const backend = shard({ concurrency: 5, intervalCap: 2, interval: 50, clock }, () => {
      starts.push(clock.now());
      return undefined;
    });
    for (let id = 0; id < 5; id++) backend.enqueue({ id, key: `k${id}`, priority: 0 });
    await clock.runAll();
    expect(starts).toEqual([0, 0, 50, 50, 100]);
    await backend.close();
  });

  it('cancels and clears waiting jobs, which never run', async () => {
    const ran: number[] = [];
    const backend = shard({}, (job) => {
      ran.push(job.id);
      return undefined;
    });
    const jobs = [0, 1, 2, 3].map((id) => ({ id, key: 'k', priority: 0 }));
    for (const job of jobs) backend.enqueue(job);
    expect(backend.cancel(jobs[1] as Job)).toBe(true);
    expect(backend.clear().map((job) => job.id)).toEqual([0, 2, 3]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
    await backend.close();
  });

  it('close() starts nothing more and resolves when the running job ends', async () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    const backend = shard({ clock }, async (job) => {
      ran.push(job.id);
      await delay(10, { clock });
    });
    backend.enqueue({ id: 1, key: 'k', priority: 0 });
    backend.enqueue({ id: 2, key: 'k', priority: 0 });
    await clock.advance(1);
    let closed = false;
    const closing = backend.close().then(() => {
      closed = true;
    });
    await clock.advance(5);
    expect(closed).toBe(false);
    await clock.runAll();
    await closing;
    expect(ran).toEqual([1]);
  });
});

describe('pQueueBackend: synchronous tasks', () => {
  it('yields between batches of synchronous tasks, so shards take turns', async () => {
    const order: string[] = [];
    const a = shard({}, () => {
      order.push('a');
      return undefined;
    });
    const b = shard({}, () => {
      order.push('b');
      return undefined;
    });
    for (let id = 0; id < 300; id++) {
      a.enqueue({ id, key: `k${id}`, priority: 0 });
      b.enqueue({ id, key: `k${id}`, priority: 0 });
    }
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([a.close(), b.close()]);
    expect(order).toHaveLength(600);
    expect(order.indexOf('b')).toBeLessThan(order.lastIndexOf('a'));
    expect(order.indexOf('a')).toBeLessThan(order.lastIndexOf('b'));
  });
});
