import { CancelledError, DeadlineExceededError, delay, VirtualClock } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { boundedLoadRouter } from './bounded-load-router.js';
import { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
import type { QueueRejectEvent, SpillEvent } from './events.js';
import { jumpRouter } from './jump-router.js';
import { hashKey } from './key.js';
import { ShardedQueue } from './sharded-queue.js';
import { keysOnShard, outcome, timed } from './sharded-queue.test-util.js';

describe('ShardedQueue: running tasks', () => {
  it('settles each promise with its task result, sync or async', async () => {
    const queue = new ShardedQueue({ clock: new VirtualClock() });
    const sync = queue.add('a', () => 1);
    const async = queue.add('b', async () => 2);
    const foreign: PromiseLike<number> = {
      // biome-ignore lint/suspicious/noThenProperty: the point is a thenable that is not a Promise
      then: (onFulfilled) => Promise.resolve(onFulfilled?.(3)) as never,
    };
    const thenable = queue.add('c', () => foreign);
    expect(await Promise.all([sync, async, thenable])).toEqual([1, 2, 3]);
  });

  it('passes the key, the shard and a signal to the task', async () => {
    const queue = new ShardedQueue({ clock: new VirtualClock() });
    const context = await queue.add('user-7', (ctx) => ctx);
    expect(context.key).toBe('user-7');
    expect(context.shardId).toBe(queue.shardFor('user-7'));
    expect(context.signal.aborted).toBe(false);
  });

  it('settles a task that throws or rejects with its error, and goes on with the key and the shard', async () => {
    const queue = new ShardedQueue({ shards: 1, clock: new VirtualClock() });
    const boom = new Error('boom');
    const thrown = queue.add('a', () => {
      throw boom;
    });
    const rejected = queue.add('a', () => Promise.reject(boom));
    const nonError = queue.add('a', () => Promise.reject('plain string'));
    const after = queue.add('a', () => 'still runs');
    await expect(thrown).rejects.toBe(boom);
    await expect(rejected).rejects.toBe(boom);
    await expect(nonError).rejects.toBe('plain string');
    expect(await after).toBe('still runs');
    expect(queue.stats().failed).toBe(3);
    expect(queue.stats().completed).toBe(1);
  });

  it('never starts a task inside add()', async () => {
    const queue = new ShardedQueue({ clock: new VirtualClock() });
    let started = false;
    const done = queue.add('a', () => {
      started = true;
    });
    expect(started).toBe(false);
    expect(queue.size).toBe(1);
    await done;
    expect(started).toBe(true);
  });

  it('lets a task add more tasks', async () => {
    const queue = new ShardedQueue({ shards: 2, clock: new VirtualClock() });
    const inner: Promise<number>[] = [];
    await queue.add('a', () => {
      inner.push(queue.add('a', () => 2));
      inner.push(queue.add('b', () => 3));
      return 1;
    });
    expect(await Promise.all(inner)).toEqual([2, 3]);
  });
});

describe('ShardedQueue: per-key order and fairness', () => {
  it('runs the tasks of one key one at a time, in the order added', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 4, clock });
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const tasks = [30, 10, 20].map((ms, index) =>
      queue.add('account', async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${index}`);
        await delay(ms, { clock });
        log.push(`end ${index}`);
        running--;
      }),
    );
    await clock.runAll();
    await Promise.all(tasks);
    expect(maxRunning).toBe(1);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('with keyConcurrency, runs that many of a key at once, started in order', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 10, keyConcurrency: 2, clock });
    const starts: [number, number][] = [];
    const tasks = [0, 1, 2, 3, 4].map((index) =>
      queue.add('k', async () => {
        starts.push([index, clock.now()]);
        await delay(10, { clock });
      }),
    );
    await clock.runAll();
    await Promise.all(tasks);
    expect(starts).toEqual([
      [0, 0],
      [1, 0],
      [2, 10],
      [3, 10],
      [4, 20],
    ]);
  });

  it('serves keys of one shard round-robin, so a busy key cannot starve the others', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const log: string[] = [];
    const tasks: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) tasks.push(queue.add('hot', timed(clock, 1, i, log, `hot${i}`)));
    tasks.push(queue.add('cold', timed(clock, 1, 0, log, 'cold')));
    tasks.push(queue.add('warm', timed(clock, 1, 0, log, 'warm')));
    await clock.runAll();
    await Promise.all(tasks);
    expect(log).toEqual(['hot0', 'cold', 'warm', 'hot1', 'hot2', 'hot3', 'hot4']);
  });

  it('starts higher priorities first among keys, but never reorders one key', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const log: string[] = [];
    const blocker = queue.add('blocker', timed(clock, 5, 'blocker', log));
    // Tasks start on the next microtask, not inside add(): let the blocker take the only slot.
    await clock.advance(0);
    const tasks = [
      queue.add('a', timed(clock, 1, 'a-low', log), { priority: 0 }),
      queue.add('a', timed(clock, 1, 'a-high', log), { priority: 9 }),
      queue.add('b', timed(clock, 1, 'b-mid', log), { priority: 5 }),
      queue.add('c', timed(clock, 1, 'c-high', log), { priority: 9 }),
    ];
    await clock.runAll();
    await Promise.all([blocker, ...tasks]);
    expect(log).toEqual(['blocker', 'c-high', 'b-mid', 'a-low', 'a-high']);
  });

  it("with keyOrder 'none', orders a key's tasks by priority and runs them at once", async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 1, keyOrder: 'none', clock });
    const log: string[] = [];
    const blocker = queue.add('k', timed(clock, 5, 'first', log));
    await clock.advance(0);
    const tasks = [
      queue.add('k', timed(clock, 1, 'low', log), { priority: 1 }),
      queue.add('k', timed(clock, 1, 'high', log), { priority: 3 }),
    ];
    await clock.runAll();
    await Promise.all([blocker, ...tasks]);
    expect(log).toEqual(['first', 'high', 'low']);

    const wide = new ShardedQueue({ shards: 1, concurrency: 3, keyOrder: 'none', clock });
    let running = 0;
    let maxRunning = 0;
    const parallel = [1, 2, 3].map(() =>
      wide.add('k', async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await delay(5, { clock });
        running--;
      }),
    );
    await clock.runAll();
    await Promise.all(parallel);
    expect(maxRunning).toBe(3);
  });

  it('spreads keys over shards, each with its own concurrency', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 3, concurrency: 2, clock });
    const running = new Map<number, number>();
    const peak = new Map<number, number>();
    const tasks: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      tasks.push(
        queue.add(`key-${i}`, async ({ shardId }) => {
          running.set(shardId, (running.get(shardId) ?? 0) + 1);
          peak.set(shardId, Math.max(peak.get(shardId) ?? 0, running.get(shardId) as number));
          await delay(3, { clock });
          running.set(shardId, (running.get(shardId) as number) - 1);
        }),
      );
    }
    await clock.runAll();
    await Promise.all(tasks);
    expect([...peak.keys()].sort()).toEqual([0, 1, 2]);
    for (const value of peak.values()) expect(value).toBe(2);
  });
});

describe('ShardedQueue: rate limit and timeout on the injected clock', () => {
  it('starts at most intervalCap tasks per interval on each shard', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 10, intervalCap: 2, interval: 100, clock });
    const starts: number[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      queue.add(`k${i}`, () => {
        starts.push(clock.now());
      }),
    );
    await clock.runAll();
    await Promise.all(tasks);
    expect(starts).toEqual([0, 0, 100, 100, 200]);
  });

  it('rejects a task that runs past its timeout, aborts its signal, and frees its slot and key', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, timeout: 50, clock });
    let abortReason: unknown;
    const slow = queue.add('k', ({ signal }) => {
      signal.addEventListener('abort', () => {
        abortReason = signal.reason;
      });
      return new Promise(() => {});
    });
    const next = queue.add('k', () => clock.now());
    const slowOutcome = slow.catch((error: unknown) => error);
    await clock.advance(50);
    const error = await slowOutcome;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).timeout).toBe(50);
    expect(abortReason).toBe(error);
    expect(await next).toBe(50);
  });

  it('takes a per-task timeout over the queue default, Infinity meaning none', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 2, timeout: 10, clock });
    const short = outcome(queue.add('a', timed(clock, 20, 'a'), { timeout: 5 }));
    const none = outcome(queue.add('b', timed(clock, 1000, 'b'), { timeout: Number.POSITIVE_INFINITY }));
    await clock.runAll();
    expect(await short).toBe('err:DeadlineExceededError');
    expect(await none).toBe('ok:b');
  });
});

describe('ShardedQueue: cancellation', () => {
  it('removes a waiting task when its signal aborts; it never runs', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const controller = new AbortController();
    const ran: string[] = [];
    const first = queue.add('k', timed(clock, 10, 'first', ran));
    const second = queue.add('k', timed(clock, 10, 'second', ran), { signal: controller.signal });
    const third = queue.add('k', timed(clock, 10, 'third', ran));
    expect(queue.size).toBe(3);
    controller.abort(new Error('user gave up'));
    expect(queue.size).toBe(2);
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    await clock.runAll();
    await Promise.all([first, third]);
    expect(ran).toEqual(['first', 'third']);
  });

  it('cancels many tasks sharing one signal, with a single listener on it', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 2, clock });
    const controller = new AbortController();
    const addListener = vi.spyOn(controller.signal, 'addEventListener');
    const sleep = () => new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
    const results = Array.from({ length: 200 }, (_, i) =>
      outcome(queue.add(`k${i % 5}`, sleep, { signal: controller.signal })),
    );
    await clock.advance(5);
    const running = queue.pending;
    controller.abort();
    expect(addListener).toHaveBeenCalledTimes(1);
    expect(queue.size).toBe(0);
    expect(queue.pending).toBe(0);
    expect(new Set(await Promise.all(results))).toEqual(new Set(['err:CancelledError']));
    expect(running).toBeGreaterThan(0);
    await clock.runAll();
  });

  it('rejects at once for a signal that already aborted', async () => {
    const queue = new ShardedQueue({ clock: new VirtualClock() });
    const task = vi.fn();
    await expect(queue.add('k', task, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    expect(task).not.toHaveBeenCalled();
    expect(queue.size).toBe(0);
  });

  it('abandons a running task when its signal aborts, passing the abort on, and frees the key', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const controller = new AbortController();
    let sawAbort = false;
    const running = queue.add(
      'k',
      ({ signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
          });
        }),
      { signal: controller.signal },
    );
    const next = queue.add('k', () => 'next');
    await clock.advance(1);
    expect(queue.pending).toBe(1);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(sawAbort).toBe(true);
    expect(await next).toBe('next');
  });

  it('cancels a parked task and a task waiting for room', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 1, maxSize: 1, whenFull: 'wait', clock });
    const [key] = keysOnShard(queue, 0, 1);
    const running = queue.add(key as string, timed(clock, 10, 'running'));
    await clock.advance(0);
    const queued = queue.add(key as string, timed(clock, 10, 'queued'));
    const controller = new AbortController();
    const waiting = queue.add(key as string, timed(clock, 10, 'waiting'), { signal: controller.signal });
    expect(queue.waitingForRoom).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(queue.waitingForRoom).toBe(0);

    // Parked: a key moving to a new shard while its old tasks still run.
    const mover = new ShardedQueue<string>({ shards: 1, concurrency: 1, clock });
    mover.addShard();
    const movingKey = keysOnShard(mover, 1, 1)[0] as string;
    await mover.removeShard(1);
    const old = mover.add(movingKey, timed(clock, 10, 'old'));
    await clock.advance(1);
    mover.addShard();
    const parkedController = new AbortController();
    const parked = mover.add(movingKey, timed(clock, 1, 'parked'), { signal: parkedController.signal });
    expect(mover.stats().shards.find((s) => s.id === 1)?.parked).toBe(1);
    parkedController.abort();
    await expect(parked).rejects.toBeInstanceOf(CancelledError);
    expect(mover.stats().movingKeys).toBe(0);
    expect(mover.size).toBe(0);
    await clock.runAll();
    expect(await Promise.all([running, queued, old])).toEqual(['running', 'queued', 'old']);
  });
});

describe('ShardedQueue: backpressure', () => {
  it("rejects with QueueFullError at maxSize when whenFull is 'reject'", async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 2, maxSize: 2, clock });
    const a = queue.add('a', () => 1);
    const b = queue.add('b', () => 2);
    const error = await queue.add('c', () => 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ code: 'ERR_PALISADE_QUEUE_FULL', limit: 'maxSize', capacity: 2 });
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(await queue.add('c', () => 3)).toBe(3);
  });

  it('rejects at maxShardSize for a full shard while other shards take tasks', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, maxShardSize: 1, clock });
    const [onZero, alsoOnZero] = keysOnShard(queue, 0, 2);
    const [onOne] = keysOnShard(queue, 1, 1);
    const first = queue.add(onZero as string, () => 'a');
    const error = await queue.add(alsoOnZero as string, () => 'b').catch((e: unknown) => e);
    expect(error).toMatchObject({ limit: 'maxShardSize', shardId: 0, capacity: 1 });
    expect(await queue.add(onOne as string, () => 'c')).toBe('c');
    expect(await first).toBe('a');
  });

  it('reports the value of the limit that was reached as capacity: maxShardSize, not maxSize, for a full shard', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, maxSize: 10, maxShardSize: 1, clock });
    const [onZero, alsoOnZero] = keysOnShard(queue, 0, 2);
    const first = queue.add(onZero as string, () => 'a');
    const error = await queue.add(alsoOnZero as string, () => 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ limit: 'maxShardSize', capacity: 1, shardId: 0 });
    expect(error).not.toHaveProperty('maxSize');
    expect((error as QueueFullError).message).toMatch(/^Shard 0 holds its maximum of 1 waiting tasks/);
    expect(await first).toBe('a');
  });

  it('reports each task add turns away on onReject, with the reason and the error add rejects with', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, maxSize: 1, clock });
    const events: QueueRejectEvent[] = [];
    queue.onReject((event) => events.push(event));
    const first = queue.add('a', () => delay(10, { clock }));
    const full = await queue.add('b', () => 1).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(QueueFullError);
    expect(events).toEqual([{ reason: 'full', key: 'b', error: full }]);
    const waited = queue.add('c', () => 'waited', { whenFull: 'wait' });
    expect(events).toHaveLength(1);
    await clock.runAll();
    expect(await waited).toBe('waited');
    await first;
    const waiting = outcome(queue.add('d', timed(clock, 10, 'd')));
    const alsoWaiting = outcome(queue.add('e', () => 'e', { whenFull: 'wait' }));
    const closing = queue.close();
    const closed = await queue.add('f', () => 1).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(QueueClosedError);
    expect(events).toEqual([
      { reason: 'full', key: 'b', error: full },
      { reason: 'closed', key: 'f', error: closed },
    ]);
    await clock.runAll();
    await closing;
    // Tasks that close() removes were taken in, not turned away.
    expect([await waiting, await alsoWaiting]).toEqual(['err:QueueClosedError', 'err:QueueClosedError']);
    expect(events).toHaveLength(2);
  });

  it("waits for room with whenFull 'wait', in order, and admits as tasks start", async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, maxSize: 2, whenFull: 'wait', clock });
    const log: string[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) => queue.add(`k${i % 2}`, timed(clock, 10, i, log)));
    expect(queue.size).toBe(2);
    expect(queue.waitingForRoom).toBe(4);
    await clock.runAll();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(log).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('can wait for room per task while the queue rejects by default', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, maxSize: 1, clock });
    const first = queue.add('a', timed(clock, 10, 'a'));
    const waited = queue.add('b', timed(clock, 10, 'b'), { whenFull: 'wait' });
    await clock.runAll();
    expect(await Promise.all([first, waited])).toEqual(['a', 'b']);
  });
});

describe('ShardedQueue: onIdle, onDrained, onSizeLessThan', () => {
  it('resolves the promise forms at once when the state holds, and later when it begins', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, concurrency: 1, clock });
    await queue.onIdle();
    await queue.onDrained();
    await queue.onSizeLessThan(1);
    const log: string[] = [];
    void queue.add('a', timed(clock, 10, 'a'));
    void queue.add('b', timed(clock, 10, 'b'));
    void queue.add('c', timed(clock, 10, 'c'));
    void queue.onSizeLessThan(2).then(() => log.push(`size<2@${clock.now()}`));
    void queue.onDrained().then(() => log.push(`drained@${clock.now()}`));
    void queue.onIdle().then(() => log.push(`idle@${clock.now()}`));
    await clock.runAll();
    expect(log).toEqual(['size<2@10', 'drained@20', 'idle@30']);
  });

  it('calls listeners on each transition, until disposed', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ clock });
    const idle = vi.fn();
    const subscription = queue.onIdle(idle);
    await queue.add('a', () => 1);
    await queue.add('b', () => 2);
    expect(idle).toHaveBeenCalledTimes(2);
    subscription.dispose();
    await queue.add('c', () => 3);
    expect(idle).toHaveBeenCalledTimes(2);
  });

  it('fires an onSizeLessThan listener each time the size drops below its limit', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const below = vi.fn();
    queue.onSizeLessThan(2, below);
    for (let i = 0; i < 3; i++) void queue.add('k', timed(clock, 10, i));
    await clock.runAll();
    expect(below).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) void queue.add('k', timed(clock, 10, i));
    await clock.runAll();
    expect(below).toHaveBeenCalledTimes(2);
  });

  it('rejects a waiting promise form when its signal aborts', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ clock });
    void queue.add('a', timed(clock, 10, 'a'));
    const controller = new AbortController();
    const idle = queue.onIdle({ signal: controller.signal });
    controller.abort();
    await expect(idle).rejects.toBeInstanceOf(CancelledError);
    await clock.runAll();
  });

  it('reports a throwing listener without breaking the queue', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ clock });
    const thrown: unknown[] = [];
    const onError = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onError);
    try {
      queue.onIdle(() => {
        throw new Error('listener bug');
      });
      expect(await queue.add('a', () => 1)).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(await queue.add('a', () => 2)).toBe(2);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(thrown).toHaveLength(2);
  });

  it('reports a throwing event listener, and the listeners after it still hear the event', async () => {
    const queue = new ShardedQueue({ shards: 1, clock: new VirtualClock() });
    const thrown: unknown[] = [];
    const onError = (error: unknown) => thrown.push(error);
    const heard: number[] = [];
    process.on('uncaughtException', onError);
    try {
      queue.onResize(() => {
        throw new Error('listener bug');
      });
      queue.onResize((event) => heard.push(event.shardId));
      expect(queue.addShard()).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(heard).toEqual([1]);
    expect(thrown).toEqual([expect.objectContaining({ message: 'listener bug' })]);
    expect(queue.shardIds).toEqual([0, 1]);
  });
});

describe('ShardedQueue: clear and close', () => {
  it('clear() rejects every waiting task with QueueClearedError and lets running tasks finish', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 2, maxSize: 3, whenFull: 'wait', clock });
    const results = Array.from({ length: 6 }, (_, i) => outcome(queue.add(`k${i % 3}`, timed(clock, 10, i))));
    await clock.advance(0);
    const running = queue.pending;
    expect(running).toBeGreaterThan(0);
    expect(queue.clear()).toBe(6 - running);
    expect(queue.size).toBe(0);
    expect(queue.waitingForRoom).toBe(0);
    await clock.runAll();
    const settled = await Promise.all(results);
    expect(settled.filter((r) => r.startsWith('ok:'))).toHaveLength(running);
    expect(settled.filter((r) => r === 'err:QueueClearedError')).toHaveLength(6 - running);
    expect(await queue.add('k0', () => 'after clear')).toBe('after clear');
  });

  it('marks cleared rejections handled, so a forgotten promise does not crash the process', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      void queue.add('a', timed(clock, 10, 'a'));
      void queue.add('a', timed(clock, 10, 'b'));
      queue.clear();
      await clock.runAll();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('close() rejects waiting tasks with QueueClosedError, waits for running ones, then refuses new tasks', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const running = outcome(queue.add('k', timed(clock, 10, 'running')));
    const waiting = outcome(queue.add('k', timed(clock, 10, 'waiting')));
    await clock.advance(0);
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    expect(queue.isClosed).toBe(true);
    expect(await waiting).toBe('err:QueueClosedError');
    await clock.advance(5);
    expect(closed).toBe(false);
    await clock.advance(5);
    await closing;
    expect(await running).toBe('ok:running');
    await expect(queue.add('k', () => 1)).rejects.toBeInstanceOf(QueueClosedError);
    expect(() => queue.addShard()).toThrow(QueueClosedError);
  });

  it('close({ drain: true }) runs what was added, and a later close() stops the draining', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const results = [1, 2, 3].map((i) => outcome(queue.add('k', timed(clock, 10, i))));
    const closing = queue.close({ drain: true });
    await clock.advance(15);
    expect(queue.close()).toBe(closing);
    await clock.runAll();
    await closing;
    expect(await Promise.all(results)).toEqual(['ok:1', 'ok:2', 'err:QueueClosedError']);
  });

  it('is AsyncDisposable: await using closes it, as close() does, once', async () => {
    const clock = new VirtualClock();
    let outside: ShardedQueue | undefined;
    {
      await using queue = new ShardedQueue({ shards: 2, clock });
      outside = queue;
      expect(await queue.add('k', () => 'ran')).toBe('ran');
      expect(queue.isClosed).toBe(false);
    }
    expect(outside.isClosed).toBe(true);
    await expect(outside.add('k', () => 1)).rejects.toBeInstanceOf(QueueClosedError);
    expect(outside[Symbol.asyncDispose]()).toBe(outside.close());
    await outside.close();
  });

  it('uses typed errors with stable codes', () => {
    expect(new QueueClearedError().code).toBe('ERR_PALISADE_QUEUE_CLEARED');
    expect(new QueueClosedError().code).toBe('ERR_PALISADE_QUEUE_CLOSED');
    expect(new QueueFullError('maxSize', 5, 0).code).toBe('ERR_PALISADE_QUEUE_FULL');
  });
});

describe('ShardedQueue: live resize', () => {
  it('moves about 1/(n+1) of the keys to a new shard and reports it', () => {
    const queue = new ShardedQueue<string>({ shards: 4, clock: new VirtualClock() });
    const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
    const before = keys.map((key) => queue.shardFor(key));
    const events: unknown[] = [];
    queue.onResize((event) => events.push(event));
    const added = queue.addShard();
    expect(added).toBe(4);
    const after = keys.map((key) => queue.shardFor(key));
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    expect(moved.length / keys.length).toBeGreaterThan(0.19);
    expect(moved.length / keys.length).toBeLessThan(0.21);
    expect(moved.every((key) => queue.shardFor(key) === added)).toBe(true);
    expect(events).toHaveLength(1);
    const resize = queue.stats().lastResize;
    expect(resize).toMatchObject({ change: 'added', shardId: 4, previousShardIds: [0, 1, 2, 3] });
    expect(resize?.shardIds).toEqual([0, 1, 2, 3, 4]);
    expect(resize?.expectedMovedFraction).toBe(0.2);
    expect(Math.abs((resize?.movedFraction ?? 0) - 0.2)).toBeLessThan(0.02);
  });

  it('drains a moving key on its old shard before its new tasks start on the new one', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, clock });
    // A key that moves to shard 2 when it is added.
    const probe = new ShardedQueue<string>({ shards: 3, clock });
    const key = Array.from({ length: 1000 }, (_, i) => `user-${i}`).find((k) => probe.shardFor(k) === 2) as string;
    const from = queue.shardFor(key);
    const log: string[] = [];
    const task =
      (label: string) =>
      async ({ shardId }: { shardId: number }) => {
        log.push(`${label} start on ${shardId} at ${clock.now()}`);
        await delay(10, { clock });
        log.push(`${label} end at ${clock.now()}`);
        return label;
      };
    const old = [queue.add(key, task('old1')), queue.add(key, task('old2'))];
    await clock.advance(5);
    const handoffs: unknown[] = [];
    queue.onHandoff((event) => handoffs.push(event));
    expect(queue.addShard()).toBe(2);
    expect(queue.stats().lastResize).toMatchObject({ keysInFlight: 1, keysMoving: 1 });
    const moved = [queue.add(key, task('new1')), queue.add(key, task('new2'))];
    expect(queue.shardFor(key)).toBe(2);
    expect(queue.stats().movingKeys).toBe(1);
    await clock.runAll();
    expect(await Promise.all([...old, ...moved])).toEqual(['old1', 'old2', 'new1', 'new2']);
    expect(log).toEqual([
      `old1 start on ${from} at 0`,
      'old1 end at 10',
      `old2 start on ${from} at 10`,
      'old2 end at 20',
      'new1 start on 2 at 20',
      'new1 end at 30',
      'new2 start on 2 at 30',
      'new2 end at 40',
    ]);
    expect(handoffs).toEqual([{ key, fromShardId: from, toShardId: 2, tasks: 2 }]);
    expect(queue.stats().handoffs).toBe(1);
  });

  it('removes a shard once it has drained; its keys move to the others', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 3, clock });
    const keys = keysOnShard(queue, 1, 3);
    const log: string[] = [];
    const tasks: Promise<unknown>[] = keys.flatMap((key) => [
      queue.add(key, timed(clock, 10, `${key}-old`, log)),
      queue.add(key, timed(clock, 10, `${key}-old2`, log)),
    ]);
    await clock.advance(1);
    let removed = false;
    const removal = queue.removeShard(1).then(() => {
      removed = true;
    });
    expect(queue.shardIds).toEqual([0, 2]);
    for (const key of keys) {
      expect(queue.shardFor(key)).not.toBe(1);
      tasks.push(queue.add(key, async ({ shardId }) => shardId));
    }
    expect(queue.stats().shards.find((shard) => shard.id === 1)?.retiring).toBe(true);
    await clock.runAll();
    await removal;
    expect(removed).toBe(true);
    const results = await Promise.all(tasks);
    expect(results.slice(-3).every((shardId) => shardId !== 1)).toBe(true);
    expect(queue.stats().shards.map((shard) => shard.id)).toEqual([0, 2]);
    expect(queue.addShard()).toBe(1);
  });

  it('resize(n) adds or removes shards, resolving when removed ones have drained', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 2, clock });
    await queue.resize(5);
    expect(queue.shardIds).toEqual([0, 1, 2, 3, 4]);
    const work = queue.add('x', timed(clock, 10, 'x'));
    const shrinking = queue.resize(2);
    expect(queue.shardIds).toEqual([0, 1]);
    await clock.runAll();
    await shrinking;
    expect(await work).toBe('x');
  });

  it('with the jump router, removes only the last shard', () => {
    const queue = new ShardedQueue({ shards: 3, router: jumpRouter(), clock: new VirtualClock() });
    expect(() => queue.removeShard(0)).toThrow(/removes only shard 2/);
    void queue.removeShard(2);
    expect(queue.shardIds).toEqual([0, 1]);
  });

  it('re-targets tasks waiting for room when the route of their key changes', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, maxShardSize: 1, whenFull: 'wait', clock });
    const [a, b] = keysOnShard(queue, 1, 2);
    const first = queue.add(a as string, timed(clock, 10, 'first'));
    const second = queue.add(b as string, timed(clock, 10, 'second'));
    expect(queue.waitingForRoom).toBe(1);
    void queue.removeShard(1);
    await clock.runAll();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
  });
});

describe('ShardedQueue: bounded-load routing', () => {
  it("spreads one hot key over shards when keyOrder is 'none'", async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 4, keyOrder: 'none', router: boundedLoadRouter(), clock });
    const spills: unknown[] = [];
    queue.onSpill((event) => spills.push(event));
    const tasks = Array.from({ length: 40 }, () => queue.add('hot', timed(clock, 10, 'x')));
    const sizes = queue.stats().shards.map((shard) => shard.size);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil((1.25 * 40) / 4));
    expect(queue.stats().spills).toBeGreaterThan(0);
    expect(spills.length).toBe(queue.stats().spills);
    await clock.runAll();
    await Promise.all(tasks);
  });

  it('keeps an ordered key on its shard while it has tasks in flight, and lets it spill once it has none', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 4, router: boundedLoadRouter({ balanceFactor: 1.01 }), clock });
    const preferred = queue.router.route(hashKey('hot'));
    const spills: SpillEvent[] = [];
    queue.onSpill((event) => spills.push(event));
    const hot = Array.from({ length: 12 }, () =>
      queue.add('hot', async ({ shardId }) => {
        await delay(1, { clock });
        return shardId;
      }),
    );
    // Far over the cap, but the key has tasks in flight: it stays put.
    expect(queue.shardFor('hot')).toBe(preferred);
    expect(queue.stats().shards.find((shard) => shard.id === preferred)?.size).toBe(12);
    await clock.runAll();
    expect(new Set(await Promise.all(hot))).toEqual(new Set([preferred]));
    expect(spills.filter((event) => event.key === 'hot')).toEqual([]);

    // Now another key keeps the preferred shard at capacity, and 'hot' has nothing in flight: it spills.
    const other = keysOnShard(queue, preferred, 50).find(
      (key) => queue.router.route(hashKey(key)) === preferred,
    ) as string;
    const blocker = queue.add(other, timed(clock, 10, 'blocker'));
    const moved = queue.add('hot', ({ shardId }) => shardId);
    expect(spills.map((event) => event.key)).toEqual(['hot']);
    expect(spills[0]).toMatchObject({ preferredShardId: preferred });
    expect(await moved).not.toBe(preferred);
    await clock.runAll();
    await blocker;
  });

  it('ordered: a key that came while the hot shard was under its cap stays beside the hot key; later ones spill', () => {
    // The mechanism behind the README's range for the ordered Zipf figure.
    const queue = new ShardedQueue<string>({ shards: 4, router: boundedLoadRouter(), clock: new VirtualClock() });
    const shard = queue.router.route(hashKey('hot'));
    const [early, late] = Array.from({ length: 10_000 }, (_, i) => `k${i}`)
      .filter((key) => queue.router.route(hashKey(key)) === shard)
      .slice(0, 2) as [string, string];
    void queue.add('hot', () => {});
    for (let i = 0; i < 7; i++) void queue.add(`filler-${i}`, () => {});
    const sizeOf = (id: number) => queue.stats().shards.find((entry) => entry.id === id)?.size;
    expect(sizeOf(shard)).toBe(1); // of 8 tasks waiting: under the cap of ⌈1.25 × 9 / 4⌉ = 3
    void queue.add(early, () => {});
    expect(queue.shardFor(early)).toBe(shard);
    for (let i = 0; i < 100; i++) {
      void queue.add('hot', () => {});
      void queue.add(early, () => {});
    }
    void queue.add(late, () => {});
    expect(queue.shardFor('hot')).toBe(shard);
    expect(queue.shardFor(early)).toBe(shard);
    expect(queue.shardFor(late)).not.toBe(shard);
    expect(sizeOf(shard)).toBe(202);
    queue.clear();
  });
});

describe('ShardedQueue: stats', () => {
  it('reports per-shard sizes, pending tasks, counts, throughput and imbalance', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, concurrency: 1, clock, throughputWindow: 1000 });
    const onZero = keysOnShard(queue, 0, 4);
    for (const key of onZero) void queue.add(key, timed(clock, 100, key));
    await clock.advance(0);
    const busy = queue.stats();
    expect(busy.shards.map((s) => [s.id, s.size, s.pending])).toEqual([
      [0, 3, 1],
      [1, 0, 0],
    ]);
    expect(busy.imbalance).toBe(2);
    expect(busy.size).toBe(3);
    expect(busy.router).toBe('rendezvous');
    expect(busy.backend).toBe('p-queue');
    await clock.advance(1000);
    const later = queue.stats();
    expect(later.completed).toBe(4);
    expect(later.shards[0]?.throughput).toBe(4);
    expect(later.imbalance).toBe(1);
    await clock.advance(1000);
    expect(queue.stats().throughput).toBe(0);
    expect(JSON.parse(JSON.stringify(later))).toEqual(later);
  });
});

describe('ShardedQueue: stats totals are running counts', () => {
  it('keeps completed and failed when a shard is removed, while it retires and after it closed', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ shards: 2, clock, throughputWindow: 1000 });
    const tasks = [...keysOnShard(queue, 0, 5), ...keysOnShard(queue, 1, 5)].map((key, i) =>
      queue.add(key, () => (i % 5 === 4 ? Promise.reject(new Error('no')) : key)).catch(() => {}),
    );
    await Promise.all(tasks);
    await clock.advance(500);
    expect(queue.stats()).toMatchObject({ completed: 8, failed: 2, throughput: 20 });

    const slow = keysOnShard(queue, 1, 1, 'slow')[0] as string;
    const draining = queue.add(slow, timed(clock, 10, 'slow'));
    await clock.advance(0);
    const removed = queue.removeShard(1);
    expect(queue.stats()).toMatchObject({ completed: 8, failed: 2 });
    await clock.advance(10);
    await Promise.all([draining, removed]);
    const after = queue.stats();
    expect(after.shards.map((shard) => shard.id)).toEqual([0]);
    expect(after).toMatchObject({ completed: 9, failed: 2 });
    // The removed shard's recent finishes still count toward the queue's rate.
    expect(after.throughput).toBeGreaterThan(queue.stats().shards[0]?.throughput as number);
  });
});

describe('ShardedQueue: keys', () => {
  it('routes 1 and "1" as different keys, and -0 as 0', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({ shards: 1, clock });
    const log: string[] = [];
    const a = queue.add(1, timed(clock, 10, 'number', log));
    const b = queue.add('1', timed(clock, 10, 'string', log));
    const c = queue.add(-0, timed(clock, 10, 'zero', log));
    const d = queue.add(0, timed(clock, 10, 'zero again', log));
    await clock.runAll();
    await Promise.all([a, b, c, d]);
    // Different keys take turns; -0 and 0 are one key, so 'zero again' waits for 'zero'.
    expect(log).toEqual(['number', 'string', 'zero', 'zero again']);
  });

  it('takes any key through keyOf', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<{ tenant: string; id: number }>({ keyOf: (key) => key.tenant, clock });
    const context = await queue.add({ tenant: 'acme', id: 1 }, (ctx) => ctx);
    expect(context.key).toBe('acme');
    expect(queue.shardFor({ tenant: 'acme', id: 2 })).toBe(context.shardId);
  });
});
