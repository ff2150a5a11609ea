import { InvalidArgumentError, VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Boom, recordEvents } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import type { BreakerPermit, BreakerRejection } from './permit.js';

function acquire(breaker: CircuitBreaker): BreakerPermit {
  const admission = breaker.tryAcquire();
  if (!admission.admitted) throw new Error(`expected a permit, got ${admission.reason}`);
  return admission;
}

describe('the permit API', () => {
  it('admits, then counts the outcome and duration the caller reports', () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new CountWindowRule({ size: 3, slowCallDuration: 100, slowCallRateThreshold: 1 }),
      halfOpenAfter: 1_000,
    });
    const durations: number[] = [];
    breaker.onSuccess(({ duration }) => durations.push(duration));
    for (const ms of [150, 200]) acquire(breaker).success(ms);
    expect(breaker.state).toBe(CircuitState.Closed);
    acquire(breaker).success(101);
    expect(breaker.state).toBe(CircuitState.Open); // three slow calls of three
    expect(durations).toEqual([150, 200, 101]);
    expect(breaker.stats()).toMatchObject({ calls: 3, slowCalls: 3, inFlight: 0 });
  });

  it('turns a call away with a reason and retryAfter, never throwing', () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 500,
    });
    acquire(breaker).failure(new Boom('x'), 3);
    const rejection = breaker.tryAcquire() as BreakerRejection;
    expect(rejection).toEqual({ admitted: false, reason: 'open', retryAfter: 500 });
    const isolation = breaker.isolate();
    expect(breaker.tryAcquire()).toEqual({ admitted: false, reason: 'isolated', retryAfter: Number.POSITIVE_INFINITY });
    isolation.dispose();
  });

  it('hands out probes while half-open, and turns away the rest with reason half-open', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 500,
      halfOpen: { probes: 2 },
    });
    acquire(breaker).failure('down', 0);
    await clock.advance(500);
    expect(breaker.retryAfter).toBe(0);
    expect(breaker.state).toBe(CircuitState.Open);
    const first = acquire(breaker);
    const second = acquire(breaker);
    expect([first.probe, second.probe]).toEqual([true, true]);
    expect(breaker.tryAcquire()).toEqual({ admitted: false, reason: 'half-open', retryAfter: 0 });
    first.release(); // unused: the slot goes back
    const third = acquire(breaker);
    second.success(1);
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    third.success(1);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(acquire(breaker).probe).toBe(false);
  });

  it('settles a permit once: later reports return false and change nothing', () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 2 }) });
    const permit = acquire(breaker);
    expect(permit.failure('x', 1)).toBe(true);
    expect(permit.settled).toBe(true);
    expect(permit.failure('x', 1)).toBe(false);
    expect(permit.success(1)).toBe(false);
    expect(permit.release()).toBe(false);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ calls: 1, failures: 1, inFlight: 0 });
  });

  it('a failure reported on a permit reaches onBreak and lastFailure as the error', () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const reasons: unknown[] = [];
    breaker.onBreak((reason) => reasons.push(reason));
    const error = new Boom('503');
    acquire(breaker).failure(error, 12);
    expect(reasons).toEqual([{ error }]);
    expect(breaker.lastFailure).toEqual({ error });
  });

  it('rejects a duration that is not a finite number ≥ 0, leaving the permit open', () => {
    const breaker = new CircuitBreaker();
    const permit = acquire(breaker);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as never]) {
      expect(() => permit.success(bad)).toThrow(InvalidArgumentError);
      expect(() => permit.failure(new Boom('x'), bad)).toThrow(expect.objectContaining({ argument: 'duration' }));
    }
    expect(permit.settled).toBe(false);
    expect(permit.success(0)).toBe(true);
  });

  it('shares one state machine with execute', async () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 2 }) });
    const events = recordEvents(breaker);
    acquire(breaker).failure('x', 0);
    await breaker.execute(() => Promise.reject(new Boom('y'))).catch(() => {});
    expect(breaker.state).toBe(CircuitState.Open);
    expect(breaker.tryAcquire().admitted).toBe(false);
    expect(events).toEqual(['break', 'state:Open', 'rejected:open']);
  });
});
