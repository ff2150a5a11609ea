import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidOptionError } from './errors.js';
import { ClockReentrancyError, ClockRunawayError, VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('starts at 0, or at the time it is given', () => {
    expect(new VirtualClock().now()).toBe(0);
    expect(new VirtualClock({ now: 1_700_000_000_000 }).now()).toBe(1_700_000_000_000);
  });

  it('fires a timer when time reaches it, not before', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([100]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers due at the same time in the order they were set', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimeout(() => order.push('a'), 10);
    clock.setTimeout(() => order.push('b'), 5);
    clock.setTimeout(() => order.push('c'), 10);
    clock.setTimeout(() => order.push('d'), 0);
    await clock.runAll();
    expect(order).toEqual(['d', 'b', 'a', 'c']);
  });

  it('settles the promise chains a timer starts before the next timer fires', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimeout(async () => {
      log.push('first fired');
      await Promise.resolve();
      await Promise.resolve();
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      log.push('first chain settled');
    }, 10);
    clock.setTimeout(() => log.push('second fired'), 10);
    await clock.advance(10);
    expect(log).toEqual(['first fired', 'first chain settled', 'second fired']);
  });

  it('lets work that was already in flight set its timers before advancing', async () => {
    const clock = new VirtualClock();
    const sleep = async (ms: number) => {
      await Promise.resolve();
      await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    };
    let done = false;
    void sleep(50).then(() => {
      done = true;
    });
    await clock.advance(50);
    expect(done).toBe(true);
  });

  it('runs a chain of sleeps in virtual time without real waiting', async () => {
    const clock = new VirtualClock();
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const stamps: number[] = [];
    const task = (async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(1000);
        stamps.push(clock.now());
      }
    })();
    const started = performance.now();
    await clock.runAll();
    await task;
    expect(stamps).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('does not fire a cleared timer, and clearing twice or clearing junk is harmless', async () => {
    const clock = new VirtualClock();
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout(42);
    clock.clearTimeout({});
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(100);
    expect(fired).toBe(false);
  });

  it('treats a negative delay as zero, like platform timers', async () => {
    const clock = new VirtualClock({ now: 500 });
    let firedAt = -1;
    clock.setTimeout(() => {
      firedAt = clock.now();
    }, -20);
    await clock.advance(0);
    expect(firedAt).toBe(500);
  });

  it('moves time to the target even when no timer is due', async () => {
    const clock = new VirtualClock();
    await clock.advance(250);
    await clock.advanceTo(1000);
    expect(clock.now()).toBe(1000);
  });

  it('reports the next due timer, skipping cleared ones', () => {
    const clock = new VirtualClock();
    expect(clock.nextTimerAt()).toBeUndefined();
    const first = clock.setTimeout(() => {}, 5);
    clock.setTimeout(() => {}, 9);
    expect(clock.nextTimerAt()).toBe(5);
    clock.clearTimeout(first);
    expect(clock.nextTimerAt()).toBe(9);
  });

  it('ends runAll at the last timer, not at infinity', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => clock.setTimeout(() => {}, 30), 20);
    await clock.runAll();
    expect(clock.now()).toBe(50);
  });

  it('rejects runAll with ClockRunawayError when a timer reschedules itself forever', async () => {
    const clock = new VirtualClock({ runAllLimit: 50 });
    const tick = () => void clock.setTimeout(tick, 1);
    tick();
    const error = await clock.runAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockRunawayError);
    expect(error).toMatchObject({ code: 'ERR_PALISADE_CLOCK_RUNAWAY', limit: 50 });
    expect(clock.now()).toBe(50);
  });

  it('rejects a second advance while one is running', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 10);
    const first = clock.advance(10);
    await expect(clock.advance(5)).rejects.toBeInstanceOf(ClockReentrancyError);
    await first;
    expect(clock.now()).toBe(10);
    await expect(clock.advance(1)).resolves.toBeUndefined();
  });

  it('rejects advance from inside a timer callback', async () => {
    const clock = new VirtualClock();
    let inner: Promise<unknown> | undefined;
    clock.setTimeout(() => {
      inner = clock.advance(1).catch((error: unknown) => error);
    }, 1);
    await clock.advance(1);
    expect(await inner).toMatchObject({ code: 'ERR_PALISADE_CLOCK_REENTRANT' });
  });

  it('surfaces a throwing timer as a rejection, keeping later timers pending', async () => {
    const clock = new VirtualClock();
    const boom = new Error('boom');
    let later = false;
    clock.setTimeout(() => {
      throw boom;
    }, 10);
    clock.setTimeout(() => {
      later = true;
    }, 20);
    await expect(clock.advance(100)).rejects.toBe(boom);
    expect(clock.now()).toBe(10);
    expect(later).toBe(false);
    await clock.advance(90);
    expect(later).toBe(true);
  });

  it('compacts cleared timers so a long-lived clock does not grow without bound', async () => {
    const clock = new VirtualClock();
    for (let i = 0; i < 10_000; i++) clock.clearTimeout(clock.setTimeout(() => {}, 3_600_000));
    const survivor = clock.setTimeout(() => {}, 1);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(1);
    clock.clearTimeout(survivor);
    await clock.runAll();
    expect(clock.pendingTimers).toBe(0);
  });

  describe('bad input', () => {
    it.each([
      [{ now: Number.NaN }, 'now'],
      [{ now: 'soon' }, 'now'],
      [{ runAllLimit: 0 }, 'runAllLimit'],
      [{ runAllLimit: 1.5 }, 'runAllLimit'],
    ])('rejects options %j with InvalidOptionError naming %s', (options, option) => {
      expect(() => new VirtualClock(options as never)).toThrow(InvalidOptionError);
      expect(() => new VirtualClock(options as never)).toThrow(`"${option}"`);
    });

    it('rejects a non-object options argument', () => {
      expect(() => new VirtualClock(5 as never)).toThrow(InvalidOptionError);
    });

    it.each([Number.NaN, Number.POSITIVE_INFINITY, '10'])('rejects a timer delay of %s', (ms) => {
      const clock = new VirtualClock();
      expect(() => clock.setTimeout(() => {}, ms as never)).toThrow(InvalidArgumentError);
    });

    it('rejects a callback that is not a function', () => {
      expect(() => new VirtualClock().setTimeout('code' as never, 1)).toThrow(InvalidArgumentError);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects advance(%s)', async (ms) => {
      await expect(new VirtualClock().advance(ms)).rejects.toBeInstanceOf(InvalidArgumentError);
    });

    it('rejects advanceTo a time in the past', async () => {
      const clock = new VirtualClock({ now: 100 });
      await expect(clock.advanceTo(99)).rejects.toThrow('a finite time ≥ now() (100)');
    });
  });

  describe('properties', () => {
    const timerPlan = fc.array(fc.record({ delay: fc.integer({ min: -5, max: 40 }), cleared: fc.boolean() }), {
      maxLength: 60,
    });
    const steps = fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 10 });

    it('fires every uncleared timer exactly once, in (due time, insertion) order, never early', async () => {
      await fc.assert(
        fc.asyncProperty(timerPlan, steps, async (plan, advances) => {
          const clock = new VirtualClock();
          const fired: Array<{ id: number; at: number }> = [];
          const handles = plan.map(({ delay }, id) =>
            clock.setTimeout(() => fired.push({ id, at: clock.now() }), delay),
          );
          plan.forEach(({ cleared }, id) => {
            if (cleared) clock.clearTimeout(handles[id] as object);
          });
          for (const step of advances) await clock.advance(step);
          await clock.runAll();

          const expected = plan
            .map(({ delay, cleared }, id) => ({ id, at: Math.max(0, delay), cleared }))
            .filter((timer) => !timer.cleared)
            .sort((a, b) => a.at - b.at || a.id - b.id)
            .map(({ id, at }) => ({ id, at }));
          expect(fired).toEqual(expected);
          expect(clock.pendingTimers).toBe(0);
        }),
        { numRuns: 200 },
      );
    });

    it('never fires a timer after the time it was advanced to, and keeps the rest pending', async () => {
      await fc.assert(
        fc.asyncProperty(timerPlan, fc.integer({ min: 0, max: 50 }), async (plan, until) => {
          const clock = new VirtualClock();
          let fired = 0;
          for (const { delay } of plan) {
            clock.setTimeout(() => {
              expect(clock.now()).toBeLessThanOrEqual(until);
              fired++;
            }, delay);
          }
          await clock.advance(until);
          expect(clock.now()).toBe(until);
          expect(fired).toBe(plan.filter(({ delay }) => delay <= until).length);
          expect(clock.pendingTimers).toBe(plan.length - fired);
        }),
        { numRuns: 200 },
      );
    });

    it('orders timers that set further timers by their own due time', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })), { maxLength: 30 }),
          async (pairs) => {
            const clock = new VirtualClock();
            const times: number[] = [];
            for (const [outer, inner] of pairs) {
              clock.setTimeout(() => {
                times.push(clock.now());
                clock.setTimeout(() => times.push(clock.now()), inner);
              }, outer);
            }
            await clock.runAll();
            expect(times).toHaveLength(pairs.length * 2);
            expect(times).toEqual([...times].sort((a, b) => a - b));
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
