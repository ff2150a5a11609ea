import { VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Boom, captureReportedErrors, fail, run, succeed } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { BreakerOpenError } from './errors.js';

const consecutive = (threshold: number) => new ConsecutiveFailuresRule({ threshold });

describe('CircuitBreaker: onReject', () => {
  it('tells why a call was turned away and when to retry, for execute and for tryAcquire', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(1), halfOpenAfter: 1_000 });
    const events: string[] = [];
    breaker.onReject(({ reason, retryAfter }) => events.push(`${reason} ${retryAfter}`));
    await run(breaker, fail);
    await clock.advance(400);
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(breaker.tryAcquire().admitted).toBe(false);
    const handle = breaker.isolate();
    await run(breaker, succeed);
    handle.dispose();
    expect(events).toEqual(['open 600', 'open 600', `isolated ${Number.POSITIVE_INFINITY}`]);
  });
});

describe('CircuitBreaker: a listener that throws', () => {
  const reported = captureReportedErrors();
  const bug = new Error('listener bug');
  const throwing = () => {
    throw bug;
  };

  it('in onBreak: is reported; the circuit still opens, the other listeners hear it, and the call keeps its own outcome', async () => {
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock: new VirtualClock() });
    const heard: string[] = [];
    breaker.onBreak(throwing);
    breaker.onBreak(() => heard.push('break'));
    breaker.onStateChange((state) => heard.push(CircuitState[state]));
    await expect(breaker.execute(fail)).rejects.toBeInstanceOf(Boom);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(heard).toEqual(['break', 'Open']);
    expect(reported).toEqual([bug]);
    expect(breaker.stats()).toMatchObject({ opens: 1, failures: 1, inFlight: 0 });
  });

  it('in onBreak, on a permit: the report returns normally and the circuit opens', () => {
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock: new VirtualClock() });
    breaker.onBreak(throwing);
    const permit = breaker.tryAcquire();
    if (!permit.admitted) throw new Error('expected a permit');
    expect(permit.failure(new Boom('x'), 0)).toBe(true);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(reported).toEqual([bug]);
  });

  it('in onReject: is reported; the call is still rejected with BreakerOpenError, tryAcquire still never throws, and the other listeners hear it', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock, halfOpenAfter: 1_000 });
    await run(breaker, fail);
    const heard: string[] = [];
    breaker.onReject(throwing);
    breaker.onReject(({ reason }) => heard.push(reason));
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(breaker.tryAcquire()).toMatchObject({ admitted: false, reason: 'open', retryAfter: 1_000 });
    expect(heard).toEqual(['open', 'open']);
    expect(reported).toEqual([bug, bug]);
    expect(breaker.stats()).toMatchObject({ rejections: 2, inFlight: 0 });
    await clock.advance(1_000);
    expect(await breaker.execute(succeed)).toBe('ok');
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it('in onSuccess: is reported, and the probe is still counted and the call resolves', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock, halfOpenAfter: 10 });
    await run(breaker, fail);
    await clock.advance(10);
    breaker.onSuccess(throwing);
    expect(await breaker.execute(succeed)).toBe('ok');
    expect(breaker.state).toBe(CircuitState.Closed); // the probe was still counted
    expect(breaker.stats().inFlight).toBe(0);
    expect(reported).toEqual([bug]);
  });
});
