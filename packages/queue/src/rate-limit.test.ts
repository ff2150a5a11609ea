import { delay, VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedWindowRateLimit } from './rate-limit.js';
import { ShardedQueue } from './sharded-queue.js';

describe('FixedWindowRateLimit', () => {
  it('allows cap starts per window, the window opening at the first start after the last one closed', () => {
    const limit = new FixedWindowRateLimit(2, 100);
    expect([limit.tryStart(10), limit.tryStart(20), limit.tryStart(30)]).toEqual([true, true, false]);
    expect(limit.windowEnd).toBe(110);
    expect(limit.tryStart(110)).toBe(true);
    expect(limit.windowEnd).toBe(210);
    expect(limit.tryStart(500)).toBe(true);
    expect(limit.windowEnd).toBe(600);
  });
});

/** The most starts in any span of `length` ms: half-open [t, t + length), or closed [t, t + length]. */
function busiestSpan(starts: readonly number[], length: number, closed: boolean): number {
  let most = 0;
  for (const from of starts) {
    const inSpan = starts.filter((at) => at >= from && (closed ? at <= from + length : at < from + length)).length;
    most = Math.max(most, inSpan);
  }
  return most;
}

// The documented bound of `BackendShard`'s rate limit: windows are fixed, so a
// span of `interval` ms that straddles two of them sees up to twice the cap.
describe('the rate limit counts fixed windows, and the documented bound holds', () => {
  it('a burst at the end of one window and the start of the next gives 2 × intervalCap − 1 starts within interval ms', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue({
      shards: 1,
      concurrency: 100,
      keyOrder: 'none',
      intervalCap: 5,
      interval: 100,
      clock,
    });
    const starts: number[] = [];
    const task = () => {
      starts.push(clock.now());
    };
    void queue.add('k', task); // opens the window [0, 100)
    await clock.advance(99);
    for (let i = 0; i < 9; i++) void queue.add('k', task);
    await clock.runAll();
    expect(starts).toEqual([0, 99, 99, 99, 99, 100, 100, 100, 100, 100]);
    expect(busiestSpan(starts, 100, false)).toBe(9);
  });

  it('property: at most 2 × intervalCap − 1 starts in any [t, t + interval), 2 × intervalCap in any closed span, (n + 1) × intervalCap over n intervals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 5, max: 50 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 300 }), ms: fc.integer({ min: 0, max: 30 }) }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (intervalCap, interval, concurrency, arrivals) => {
          const clock = new VirtualClock();
          const queue = new ShardedQueue({ shards: 1, concurrency, keyOrder: 'none', intervalCap, interval, clock });
          const starts: number[] = [];
          const tasks: Promise<void>[] = [];
          for (const { at, ms } of [...arrivals].sort((a, b) => a.at - b.at)) {
            await clock.advance(at - clock.now());
            tasks.push(
              queue.add('k', async () => {
                starts.push(clock.now());
                await delay(ms, { clock });
              }),
            );
          }
          await clock.runAll();
          await Promise.all(tasks);
          expect(starts).toHaveLength(arrivals.length);
          expect(busiestSpan(starts, interval, false)).toBeLessThanOrEqual(2 * intervalCap - 1);
          expect(busiestSpan(starts, interval, true)).toBeLessThanOrEqual(2 * intervalCap);
          for (let n = 2; n <= 4; n++) {
            expect(busiestSpan(starts, n * interval, false)).toBeLessThanOrEqual((n + 1) * intervalCap - 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
