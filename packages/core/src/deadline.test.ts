import { describe, expect, it } from 'vitest';
import { createDeadline, delay } from './deadline.js';
import { CancelledError, DeadlineExceededError, InvalidArgumentError, InvalidOptionError } from './errors.js';
import { VirtualClock } from './virtual-clock.js';

describe('createDeadline', () => {
  it('aborts with DeadlineExceededError when virtual time runs out', async () => {
    const clock = new VirtualClock();
    const deadline = createDeadline(100, { clock });
    expect(deadline.expiresAt).toBe(100);
    await clock.advance(60);
    expect(deadline.remaining()).toBe(40);
    expect(deadline.signal.aborted).toBe(false);
    await clock.advance(40);
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(deadline.signal.reason).toMatchObject({ timeout: 100 });
    expect(deadline.remaining()).toBe(0);
  });

  it('aborts early with the parent reason', () => {
    const clock = new VirtualClock();
    const parent = new AbortController();
    const deadline = createDeadline(100, { clock, signal: parent.signal });
    parent.abort('caller gave up');
    expect(deadline.signal.reason).toBe('caller gave up');
  });

  it('propagates: a nested deadline fires no later than its parent', async () => {
    const clock = new VirtualClock();
    const outer = createDeadline(50, { clock });
    const inner = createDeadline(1000, { clock, signal: outer.signal });
    await clock.advance(50);
    expect(inner.signal.aborted).toBe(true);
    expect(inner.signal.reason).toMatchObject({ timeout: 50 });
  });

  it('clears its timer when disposed', async () => {
    const clock = new VirtualClock();
    const deadline = createDeadline(100, { clock });
    expect(clock.pendingTimers).toBe(1);
    deadline.dispose();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(200);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('sets no timer for an infinite deadline', () => {
    const clock = new VirtualClock();
    const deadline = createDeadline(Number.POSITIVE_INFINITY, { clock });
    expect(clock.pendingTimers).toBe(0);
    expect(deadline.remaining()).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([-1, Number.NaN, '5'])('rejects a timeout of %s, naming the argument `timeout`', (ms) => {
    expect(() => createDeadline(ms as never)).toThrow(InvalidArgumentError);
    expect(() => createDeadline(ms as never)).toThrow(expect.objectContaining({ argument: 'timeout' }));
  });

  it.each(['nope', 42, null, {}])('rejects a signal of %s with InvalidOptionError, and sets no timer', (signal) => {
    const clock = new VirtualClock();
    expect(() => createDeadline(10, { clock, signal: signal as never })).toThrow(InvalidOptionError);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('delay', () => {
  it.each(['nope', 42, null, {}])('throws InvalidOptionError for a signal of %s, and sets no timer', (signal) => {
    const clock = new VirtualClock();
    expect(() => delay(10, { clock, signal: signal as never })).toThrow(InvalidOptionError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves after the delay on the clock', async () => {
    const clock = new VirtualClock();
    let done = false;
    void delay(30, { clock }).then(() => {
      done = true;
    });
    await clock.advance(29);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });

  it('rejects on abort and clears its timer', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const waiting = delay(30, { clock, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once for an aborted signal', async () => {
    await expect(delay(30, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
  });

  it('waits on real time by default', async () => {
    const started = Date.now();
    await delay(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4);
  });
});
