import { type Clock, VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { captureReportedErrors, fail, run, succeed } from './breaker.test-util.js';
import { BreakerRegistry } from './breaker-registry.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';

const IDLE = 1_000;

function registry(clock = new VirtualClock()) {
  const created: string[] = [];
  const evicted: string[] = [];
  const breakers = new BreakerRegistry<string>({
    clock,
    idleTimeout: IDLE,
    breaker: (key) => ({
      rule: key.startsWith('strict')
        ? new ConsecutiveFailuresRule({ threshold: 1 })
        : new CountWindowRule({ size: 10 }),
      halfOpenAfter: 5_000,
    }),
  });
  breakers.onCreate(({ key }) => created.push(key));
  breakers.onEvict(({ key }) => evicted.push(key));
  return { clock, breakers, created, evicted };
}

describe('BreakerRegistry', () => {
  it('creates one breaker per key on first use, with that key’s options', async () => {
    const { breakers, created } = registry();
    const strict = breakers.get('strict:a');
    expect(breakers.get('strict:a')).toBe(strict);
    expect(breakers.peek('lenient:b')).toBeUndefined();
    await breakers.execute('strict:a', fail).catch(() => {});
    await breakers.execute('lenient:b', fail).catch(() => {});
    expect(strict.state).toBe(CircuitState.Open);
    expect(breakers.get('lenient:b').state).toBe(CircuitState.Closed);
    expect(breakers.tryAcquire('strict:a')).toMatchObject({ admitted: false, reason: 'open' });
    expect(created).toEqual(['strict:a', 'lenient:b']);
    expect(breakers.size).toBe(2);
  });

  it('shares the registry’s clock with breakers whose options leave it out', async () => {
    const clock = new VirtualClock();
    const breakers = new BreakerRegistry<string>({
      clock,
      breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 1 }), halfOpenAfter: 100 }),
    });
    await breakers.execute('k', fail).catch(() => {});
    expect(breakers.get('k').retryAfter).toBe(100);
    await clock.advance(60);
    expect(breakers.get('k').retryAfter).toBe(40);
  });

  it('evicts a breaker idle for between one and two idle timeouts, on the injected clock', async () => {
    const { clock, breakers, evicted } = registry();
    await breakers.execute('a', succeed);
    await clock.advance(IDLE - 1);
    await breakers.execute('b', succeed);
    await clock.advance(1); // first sweep: both were used since the start
    expect(breakers.size).toBe(2);
    await clock.advance(IDLE); // second sweep: neither was used since the first
    expect(evicted.sort()).toEqual(['a', 'b']);
    expect(breakers.size).toBe(0);
    expect(clock.pendingTimers).toBe(0); // an empty registry keeps no timer
  });

  it('keeps breakers that are used, even through a reference kept from get()', async () => {
    const { clock, breakers } = registry();
    const held = breakers.get('held');
    breakers.get('idle');
    for (let sweep = 0; sweep < 5; sweep++) {
      await held.execute(succeed);
      await clock.advance(IDLE);
    }
    expect(breakers.peek('held')).toBe(held);
    expect(breakers.peek('idle')).toBeUndefined();
  });

  it('never evicts a breaker that is isolated, inside an open period, or has calls in flight', async () => {
    const { clock, breakers } = registry();
    breakers.get('isolated').isolate();
    await breakers.execute('strict:open', fail).catch(() => {});
    let finish: () => void = () => {};
    const slow = breakers.execute('busy', () => new Promise<void>((resolve) => (finish = resolve)));
    await clock.advance(2 * IDLE);
    expect([...breakers.entries()].map(([key]) => key).sort()).toEqual(['busy', 'isolated', 'strict:open']);
    finish();
    await slow;
    await clock.advance(5_000); // the open period ends
    await clock.advance(2 * IDLE);
    expect([...breakers.entries()].map(([key]) => key)).toEqual(['isolated']);
  });

  it('a key used again after eviction starts afresh', async () => {
    const { clock, breakers, created } = registry();
    await breakers.execute('strict:x', fail).catch(() => {});
    await clock.advance(5_000 + 2 * IDLE);
    expect(breakers.peek('strict:x')).toBeUndefined();
    expect(breakers.get('strict:x').state).toBe(CircuitState.Closed);
    expect(created).toEqual(['strict:x', 'strict:x']);
  });

  it('sweeps a large registry in chunks, yielding to the event loop between them', async () => {
    const clock = new VirtualClock();
    const delays: number[] = [];
    const spy: Clock = {
      now: () => clock.now(),
      setTimeout: (callback, ms) => {
        delays.push(ms);
        return clock.setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
    const breakers = new BreakerRegistry<number>({ clock: spy, idleTimeout: IDLE });
    for (let key = 0; key < 25_000; key++) {
      const permit = breakers.tryAcquire(key);
      if (permit.admitted) permit.success(1);
    }
    await clock.advance(IDLE);
    expect(breakers.size).toBe(25_000);
    await clock.advance(IDLE);
    expect(breakers.size).toBe(0);
    // Two sweeps of three chunks each: the first and the next sweep are IDLE apart, the chunks 0 ms.
    expect(delays).toEqual([IDLE, 0, 0, IDLE, 0, 0]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sums stats over every breaker', async () => {
    const { breakers } = registry();
    await breakers.execute('strict:a', fail).catch(() => {});
    await breakers.execute('strict:a', succeed).catch(() => {});
    await breakers.execute('b', succeed);
    breakers.get('c').isolate();
    await run(breakers.get('b'), fail, 2);
    expect(breakers.stats()).toEqual({
      keys: 3,
      closed: 1,
      open: 1,
      halfOpen: 0,
      isolated: 1,
      calls: 4,
      successes: 1,
      failures: 3,
      slowCalls: 0,
      rejections: 1,
      inFlight: 0,
      opens: 1,
    });
  });

  it('delete() and clear() drop breakers; clear() stops the sweep', async () => {
    const { clock, breakers } = registry();
    breakers.get('a');
    breakers.get('b');
    expect(breakers.delete('a')).toBe(true);
    expect(breakers.delete('a')).toBe(false);
    expect(breakers.size).toBe(1);
    breakers.clear();
    expect(breakers.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    breakers.get('c');
    expect(clock.pendingTimers).toBe(1);
  });

  it('takes any key type and shared options', async () => {
    const clock = new VirtualClock();
    const breakers = new BreakerRegistry<{ tenant: number }>({ clock, breaker: { halfOpenAfter: 10 } });
    const key = { tenant: 1 };
    await breakers.execute(key, succeed);
    expect(breakers.get(key)).toBe(breakers.get(key));
    expect(breakers.get({ tenant: 1 })).not.toBe(breakers.get(key));
  });
});

describe('BreakerRegistry: a listener that throws', () => {
  const reported = captureReportedErrors();
  const bug = new Error('listener bug');
  const throwing = () => {
    throw bug;
  };

  it('in onCreate: is reported, and get() still returns the new breaker to every caller', () => {
    const { breakers, created } = registry();
    breakers.onCreate(throwing);
    const breaker = breakers.get('a');
    expect(breakers.get('a')).toBe(breaker);
    expect(created).toEqual(['a']);
    expect(reported).toEqual([bug]);
  });

  it('in onEvict: is reported, every eviction is still announced, and the sweeps go on', async () => {
    const { clock, breakers, evicted } = registry();
    breakers.onEvict(throwing);
    await breakers.execute('a', succeed);
    await breakers.execute('b', succeed);
    await clock.advance(2 * IDLE);
    expect(evicted).toEqual(['a', 'b']);
    expect(reported).toEqual([bug, bug]);
    await breakers.execute('c', succeed);
    await clock.advance(2 * IDLE);
    expect(evicted).toEqual(['a', 'b', 'c']);
  });
});
