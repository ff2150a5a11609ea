import { CancelledError, createDeadline, DeadlineExceededError, VirtualClock } from '@palisade/core';
import { CircuitState, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { fail, outcome, run, succeed } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { BreakerHalfOpenError, BreakerOpenError } from './errors.js';

const neverSettles = () => new Promise<never>(() => {});

describe('execute with an AbortSignal', () => {
  it('rejects at once when the signal has already aborted, without running fn or counting', async () => {
    const breaker = new CircuitBreaker();
    const controller = new AbortController();
    controller.abort('gone');
    let ran = false;
    const result = await outcome(
      breaker.execute(() => {
        ran = true;
      }, controller.signal),
    );
    expect(ran).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(CancelledError);
    expect(breaker.stats()).toMatchObject({ calls: 0, inFlight: 0 });
  });

  it('closed: settles when the signal aborts even if fn ignores it, and the call is not counted', async () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const controller = new AbortController();
    const call = breaker.execute(neverSettles, controller.signal);
    controller.abort(new Error('caller left'));
    const error = ((await outcome(call)) as { error: CancelledError }).error;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect((error.cause as Error).message).toBe('caller left');
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ calls: 0, inFlight: 0 });
  });

  it('closed: a deadline that passes counts as a failure, like any error', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const deadline = createDeadline(100, { clock });
    const call = breaker.execute(neverSettles, deadline.signal).catch((error: unknown) => error);
    await clock.advance(100);
    expect(await call).toBeInstanceOf(DeadlineExceededError);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(breaker.lastFailure).toMatchObject({ error: expect.any(DeadlineExceededError) });
  });

  it('closed: a call that finishes before the abort counts normally, and passes its signal to fn', async () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    const controller = new AbortController();
    expect(await breaker.execute(({ signal }) => signal === controller.signal, controller.signal)).toBe(true);
    await breaker.execute(fail, controller.signal).catch(() => {});
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it('closed: a synchronous throw with a signal is a rejection', async () => {
    const breaker = new CircuitBreaker();
    const call = breaker.execute(fail, new AbortController().signal);
    expect(call).toBeInstanceOf(Promise);
    await expect(call).rejects.toThrow('boom');
    expect(breaker.stats().failures).toBe(1);
  });

  it('open: rejects at once; the signal does not matter', async () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
    await run(breaker, fail);
    const controller = new AbortController();
    const call = breaker.execute(succeed, controller.signal);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(BreakerOpenError);
  });

  it('half-open: an aborted probe gives its slot back, so the next call probes', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 10,
    });
    await run(breaker, fail);
    await clock.advance(10);
    const controller = new AbortController();
    const probe = breaker.execute(neverSettles, controller.signal);
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerHalfOpenError);
    controller.abort();
    await expect(probe).rejects.toBeInstanceOf(CancelledError);
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    expect(await breaker.execute(succeed)).toBe('ok');
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it('half-open: a probe that runs out its deadline re-opens the circuit', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 10,
    });
    await run(breaker, fail);
    await clock.advance(10);
    const deadline = createDeadline(50, { clock });
    const probe = breaker.execute(neverSettles, deadline.signal).catch((error: unknown) => error);
    await clock.advance(50);
    expect(await probe).toBeInstanceOf(DeadlineExceededError);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 2 });
  });

  it('isolated: rejects at once', async () => {
    const breaker = new CircuitBreaker();
    breaker.isolate();
    const controller = new AbortController();
    const call = breaker.execute(succeed, controller.signal);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'ERR_PALISADE_BREAKER_ISOLATED' });
  });

  it('a late rejection of work abandoned on abort is not reported as unhandled', async () => {
    const breaker = new CircuitBreaker();
    const controller = new AbortController();
    let rejectLate: (error: Error) => void = () => {};
    const call = breaker.execute(() => new Promise<never>((_, reject) => (rejectLate = reject)), controller.signal);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    rejectLate(new Error('too late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(breaker.stats()).toMatchObject({ calls: 0, inFlight: 0 });
  });
});
