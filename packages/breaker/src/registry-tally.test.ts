import { VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fail, succeed } from './breaker.test-util.js';
import { BreakerRegistry } from './breaker-registry.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';

const IDLE = 1_000;

function registry(clock = new VirtualClock()) {
  return new BreakerRegistry<string>({
    clock,
    idleTimeout: IDLE,
    breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 2 }), halfOpenAfter: 100 }),
  });
}

/** The registry's state counts and in-flight calls, worked out the slow way from its breakers. */
function recount(breakers: BreakerRegistry<string>) {
  const counts = { closed: 0, open: 0, halfOpen: 0, isolated: 0, inFlight: 0 };
  for (const [, breaker] of breakers.entries()) {
    const stats = breaker.stats();
    counts.inFlight += stats.inFlight;
    if (stats.state === CircuitState.Closed) counts.closed++;
    else if (stats.state === CircuitState.Open) counts.open++;
    else if (stats.state === CircuitState.HalfOpen) counts.halfOpen++;
    else counts.isolated++;
  }
  return counts;
}

describe('BreakerRegistry running totals', () => {
  it('keep what an evicted, deleted or cleared breaker counted', async () => {
    const clock = new VirtualClock();
    const breakers = registry(clock);
    await breakers.execute('evicted', succeed);
    await breakers.execute('deleted', fail).catch(() => {});
    await breakers.execute('cleared', succeed);
    await clock.advance(IDLE);
    await breakers.execute('deleted', succeed);
    await breakers.execute('cleared', succeed);
    await clock.advance(IDLE);
    expect(breakers.peek('evicted')).toBeUndefined();
    breakers.delete('deleted');
    const before = breakers.stats();
    expect(before).toMatchObject({ keys: 1, closed: 1, calls: 5, successes: 4, failures: 1 });
    breakers.clear();
    expect(breakers.stats()).toEqual({ ...before, keys: 0, closed: 0 });
  });

  it('follow each breaker through open, half-open and closed, and through isolation', async () => {
    const clock = new VirtualClock();
    const breakers = registry(clock);
    const a = breakers.get('a');
    breakers.get('b');
    expect(breakers.stats()).toMatchObject({ closed: 2, open: 0 });
    await breakers.execute('a', fail).catch(() => {});
    await breakers.execute('a', fail).catch(() => {});
    await breakers.execute('a', succeed).catch(() => {});
    expect(breakers.stats()).toMatchObject({ closed: 1, open: 1, opens: 1, rejections: 1 });
    await clock.advance(100);
    const permit = a.tryAcquire();
    expect(breakers.stats()).toMatchObject({ closed: 1, open: 0, halfOpen: 1, inFlight: 1 });
    if (permit.admitted) permit.success(0);
    expect(breakers.stats()).toMatchObject({ closed: 2, halfOpen: 0, inFlight: 0 });
    const hold = breakers.get('b').isolate();
    expect(breakers.stats()).toMatchObject({ closed: 1, isolated: 1 });
    hold.dispose();
    expect(breakers.stats()).toMatchObject({ closed: 2, isolated: 0 });
  });

  it('let go of a deleted breaker: its calls in flight leave, and its later calls are not counted', async () => {
    const breakers = registry();
    const kept = breakers.get('a');
    const permit = kept.tryAcquire();
    expect(breakers.stats()).toMatchObject({ inFlight: 1, closed: 1 });
    breakers.delete('a');
    expect(breakers.stats()).toMatchObject({ inFlight: 0, closed: 0, calls: 0 });
    if (permit.admitted) permit.failure(new Error('late'), 0);
    await kept.execute(fail).catch(() => {});
    await kept.execute(succeed).catch(() => {});
    expect(breakers.stats()).toMatchObject({ inFlight: 0, closed: 0, open: 0, calls: 0, rejections: 0, opens: 0 });
  });

  it('onStateChange and onReject hear every breaker', async () => {
    const clock = new VirtualClock();
    const breakers = registry(clock);
    const log: string[] = [];
    breakers.onStateChange((state) => log.push(CircuitState[state]));
    breakers.onReject(({ reason, retryAfter }) => log.push(`rejected ${reason} ${retryAfter}`));
    for (const key of ['a', 'b']) {
      await breakers.execute(key, fail).catch(() => {});
      await breakers.execute(key, fail).catch(() => {});
    }
    await clock.advance(40);
    await breakers.execute('a', succeed).catch(() => {});
    expect(breakers.get('b').tryAcquire().admitted).toBe(false);
    await clock.advance(60);
    await breakers.execute('a', succeed);
    expect(log).toEqual(['Open', 'Open', 'rejected open 60', 'rejected open 60', 'HalfOpen', 'Closed']);
  });

  it('match a recount of the breakers after any sequence of calls, transitions and removals', async () => {
    const keys = ['a', 'b', 'c'];
    const step = fc.oneof(
      fc.record({ op: fc.constant('succeed' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('fail' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('hold' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('settle' as const) }),
      fc.record({ op: fc.constant('isolate' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('reset' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3 * IDLE }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const clock = new VirtualClock();
        const breakers = registry(clock);
        const held: { breaker: CircuitBreaker; settle: () => void }[] = [];
        let counted = 0;
        for (const s of steps) {
          switch (s.op) {
            case 'succeed':
            case 'fail':
              await breakers.execute(s.key, s.op === 'fail' ? fail : succeed).catch(() => {});
              break;
            case 'hold': {
              const breaker = breakers.get(s.key);
              const permit = breaker.tryAcquire();
              if (permit.admitted) held.push({ breaker, settle: () => permit.success(0) });
              break;
            }
            case 'settle':
              held.shift()?.settle();
              break;
            case 'isolate':
              breakers.get(s.key).isolate();
              break;
            case 'reset':
              breakers.get(s.key).reset();
              break;
            case 'delete': {
              const breaker = breakers.peek(s.key);
              if (breaker !== undefined) counted += breaker.stats().calls + breaker.stats().rejections;
              breakers.delete(s.key);
              break;
            }
            case 'advance':
              await clock.advance(s.ms);
              break;
          }
          const stats = breakers.stats();
          expect(stats).toMatchObject(recount(breakers));
          expect(stats.keys).toBe(breakers.size);
          expect(stats.calls).toBe(stats.successes + stats.failures);
          let live = 0;
          for (const [, breaker] of breakers.entries()) live += breaker.stats().calls + breaker.stats().rejections;
          expect(stats.calls + stats.rejections).toBeGreaterThanOrEqual(live + counted);
        }
      }),
    );
  });
});
