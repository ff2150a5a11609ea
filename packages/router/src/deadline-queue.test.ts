import { type Clock, realClock, type TimerHandle, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type Timed } from './deadline-queue.js';

class Item implements Timed {
  at = 0;
  lane: object | undefined;
  readonly name: string;
  readonly log: string[];
  constructor(name: string, log: string[]) {
    this.name = name;
    this.log = log;
  }
  expire(now: number): void {
    this.log.push(`${this.name}@${now}`);
  }
}

/** Throws as realClock does for a delay it cannot honour. */
function realClockLimit(ms: number): undefined {
  if (ms > 2 ** 31 - 1) throw new RangeError(`delay ${ms} is beyond the platform's timers`);
  return undefined;
}

describe('DeadlineQueue', () => {
  it('expires each item exactly at its deadline, across durations, with one clock timer', async () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.schedule(new Item('a', log), 100, 0);
    queue.schedule(new Item('b', log), 30, 0);
    await clock.advance(10);
    queue.schedule(new Item('c', log), 100, 10);
    queue.schedule(new Item('d', log), 30, 10);
    expect(clock.pendingTimers).toBe(1);
    await clock.runAll();
    expect(log).toEqual(['b@30', 'd@40', 'a@100', 'c@110']);
    expect(queue.size).toBe(0);
  });

  it('never expires a cancelled item, and drops cancelled heads without firing early', async () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const items = Array.from({ length: 5 }, (_, i) => new Item(`i${i}`, log));
    items.forEach((item, i) => {
      queue.schedule(item, 50, i * 10);
    });
    queue.cancel(items[0] as Item);
    queue.cancel(items[1] as Item);
    queue.cancel(items[3] as Item);
    queue.cancel(items[3] as Item);
    expect(queue.size).toBe(2);
    await clock.runAll();
    expect(log).toEqual(['i2@70', 'i4@90']);
  });

  it('runs items scheduled by an expiry, including into a lane already passed', async () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    class Chain extends Item {
      override expire(now: number): void {
        super.expire(now);
        if (now < 300) queue.schedule(new Chain(this.name, this.log), 100, now);
      }
    }
    queue.schedule(new Chain('x', log), 100, 0);
    await clock.runAll();
    expect(log).toEqual(['x@100', 'x@200', 'x@300']);
  });

  it('stays small when many items are cancelled behind one that waits', () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    queue.schedule(new Item('long', []), 10_000, 0);
    for (let i = 0; i < 100_000; i++) {
      const item = new Item('short', []);
      queue.schedule(item, 10_000, i / 100);
      queue.cancel(item);
    }
    expect(queue.size).toBe(1);
  });

  it('clear() stops everything', async () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.schedule(new Item('a', log), 10, 0);
    queue.clear();
    await clock.runAll();
    expect(log).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps firing the others when an expiry throws', async () => {
    const clock = new VirtualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    class Throws extends Item {
      override expire(): void {
        throw new Error('bad expiry');
      }
    }
    const reported: unknown[] = [];
    const original = (globalThis as { reportError?: unknown }).reportError;
    (globalThis as { reportError?: (error: unknown) => void }).reportError = (error) => reported.push(error);
    try {
      queue.schedule(new Throws('t', log), 10, 0);
      queue.schedule(new Item('after', log), 10, 0);
      await clock.runAll();
    } finally {
      (globalThis as { reportError?: unknown }).reportError = original;
    }
    expect(log).toEqual(['after@10']);
    expect(reported).toHaveLength(1);
  });

  it('reaches deadlines beyond the platform’s longest timer (2^31 - 1 ms) in several firings', async () => {
    const clock = new VirtualClock();
    const delays: number[] = [];
    const recording: Clock = {
      now: () => clock.now(),
      setTimeout: (callback, ms) => {
        delays.push(ms);
        return realClockLimit(ms) ?? clock.setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
    const queue = new DeadlineQueue(recording);
    const log: string[] = [];
    const thirtyDays = 30 * 24 * 3_600_000;
    queue.schedule(new Item('month', log), thirtyDays, 0);
    await clock.runAll();
    expect(log).toEqual([`month@${thirtyDays}`]);
    expect(delays).toEqual([2 ** 31 - 1, thirtyDays - (2 ** 31 - 1)]);
  });

  it('holds a Node process open only while something waits: an idle router never keeps it alive', async () => {
    const handles: TimerHandle[] = [];
    const clock: Clock = {
      now: () => realClock.now(),
      setTimeout: (callback, ms) => {
        const handle = realClock.setTimeout(callback, ms);
        handles.push(handle);
        return handle;
      },
      clearTimeout: (handle) => realClock.clearTimeout(handle),
    };
    const timer = () => handles.at(-1) as NodeJS.Timeout;
    const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
    const queue = new DeadlineQueue(clock);
    const first = new Item('first', []);
    queue.schedule(first, 60_000, clock.now());
    expect(timer().hasRef()).toBe(true);
    queue.cancel(first);
    await nextMacrotask();
    expect(timer().hasRef()).toBe(false);
    queue.schedule(new Item('second', []), 60_000, clock.now());
    expect(timer().hasRef()).toBe(true);
    expect(handles).toHaveLength(1);
    queue.clear();
  });

  it('does not toggle the timer’s ref for calls that follow one another within a macrotask', async () => {
    const handles: NodeJS.Timeout[] = [];
    let toggles = 0;
    const clock: Clock = {
      now: () => realClock.now(),
      setTimeout: (callback, ms) => {
        const handle = realClock.setTimeout(callback, ms) as NodeJS.Timeout;
        const { ref, unref } = handle;
        // A toggle is a change of state; Node's ref() and unref() do nothing without one.
        handle.ref = () => {
          if (!handle.hasRef()) toggles++;
          return ref.call(handle);
        };
        handle.unref = () => {
          if (handle.hasRef()) toggles++;
          return unref.call(handle);
        };
        handles.push(handle);
        return handle;
      },
      clearTimeout: (handle) => realClock.clearTimeout(handle),
    };
    const queue = new DeadlineQueue(clock);
    for (let i = 0; i < 1_000; i++) {
      const item = new Item(String(i), []);
      queue.schedule(item, 60_000, clock.now());
      await Promise.resolve();
      queue.cancel(item);
    }
    expect(toggles).toBe(0);
    expect(handles[0]?.hasRef()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect([toggles, handles[0]?.hasRef()]).toEqual([1, false]);
    queue.clear();
  });
});
