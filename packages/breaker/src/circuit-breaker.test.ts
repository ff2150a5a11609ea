import { VirtualClock } from '@palisade/core';
import {
  BrokenCircuitError,
  CircuitState,
  ConstantBackoff,
  DelegateBackoff,
  ExponentialBackoff,
  handleType,
  handleWhenResult,
  IterableBackoff,
  noJitterGenerator,
} from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Boom, fail, outcome, recordEvents, run, succeed } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { BreakerHalfOpenError, BreakerIsolatedError, BreakerOpenError, ProbeTimeoutError } from './errors.js';
import { TimeWindowRule } from './time-window-rule.js';
import type { TripRule } from './trip-rule.js';

const consecutive = (threshold: number) => new ConsecutiveFailuresRule({ threshold });

describe('CircuitBreaker: closed', () => {
  it('passes values and errors through unchanged', async () => {
    const breaker = new CircuitBreaker();
    expect(await breaker.execute(() => 42)).toBe(42);
    expect(await breaker.execute(async () => 'async')).toBe('async');
    const error = new Boom('x');
    await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('treats a synchronous throw exactly as a rejection', async () => {
    const clock = new VirtualClock();
    const sync = new CircuitBreaker({ clock, rule: consecutive(2) });
    const async = new CircuitBreaker({ clock, rule: consecutive(2) });
    const error = new Boom('sync');
    const syncResult = sync.execute(() => {
      throw error;
    });
    expect(syncResult).toBeInstanceOf(Promise);
    await expect(syncResult).rejects.toBe(error);
    await expect(async.execute(async () => Promise.reject(error))).rejects.toBe(error);
    expect(sync.stats()).toMatchObject({ calls: 1, failures: 1 });
    expect(sync.stats()).toEqual(async.stats());
    await run(sync, fail);
    expect(sync.state).toBe(CircuitState.Open);
  });

  it('passes cockatiel’s context, with a signal, to fn', async () => {
    const breaker = new CircuitBreaker();
    const signal = new AbortController().signal;
    expect(await breaker.execute(({ signal: inner }) => inner.aborted)).toBe(false);
    expect(await breaker.execute(({ signal: inner }) => inner === signal, signal)).toBe(true);
  });

  it('accepts PromiseLike thenables', async () => {
    const breaker = new CircuitBreaker();
    // biome-ignore lint/suspicious/noThenProperty: a thenable is the point of this test
    const thenable: PromiseLike<number> = { then: (resolve) => Promise.resolve(7).then(resolve) };
    expect(await breaker.execute(() => thenable)).toBe(7);
  });

  it('opens when its rule says, and rejects at once with BreakerOpenError carrying retryAfter', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(3), halfOpenAfter: 5_000 });
    const events = recordEvents(breaker);
    await run(breaker, fail, 2);
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(events).toEqual(['break', 'state:Open']);

    let ran = false;
    const rejected = await outcome(
      breaker.execute(() => {
        ran = true;
      }),
    );
    expect(ran).toBe(false);
    const error = (rejected as { error: BreakerOpenError }).error;
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error.code).toBe('ERR_PALISADE_BREAKER_OPEN');
    expect(error.retryAfter).toBe(5_000);
    await clock.advance(1_500);
    expect(error.retryAfter).toBe(3_500);
    expect(breaker.retryAfter).toBe(3_500);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 1, since: 0, until: 5_000 });
    expect(events.at(-1)).toBe('rejected:open');
  });

  it('hands every call of one open period the same rejection, and a fresh one for the next period', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(1), halfOpenAfter: 100 });
    await run(breaker, fail);
    const first = breaker.execute(succeed);
    const second = breaker.execute(succeed);
    expect(first).toBe(second);
    await clock.advance(100);
    await run(breaker, fail); // the probe fails: a new open period
    const third = breaker.execute(succeed);
    expect(third).not.toBe(first);
    await expect(third).rejects.toBeInstanceOf(BreakerOpenError);
  });

  it('counts an error its handle does not select as a success', async () => {
    class Fatal extends Error {}
    const breaker = new CircuitBreaker({ rule: consecutive(2), handle: handleType(Boom) });
    const events = recordEvents(breaker, true);
    await run(breaker, fail);
    await run(breaker, () => {
      throw new Fatal('not a dependency failure');
    });
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ calls: 3, failures: 2, successes: 1 });
    expect(events).toEqual(['failure', 'failure:unhandled', 'failure']);
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it('counts results its handle selects as failures, and still returns them', async () => {
    const breaker = new CircuitBreaker({
      rule: consecutive(2),
      handle: handleWhenResult((result) => (result as { status: number }).status >= 500),
    });
    expect(await breaker.execute(() => ({ status: 503 }))).toEqual({ status: 503 });
    await breaker.execute(() => ({ status: 503 }));
    expect(breaker.state).toBe(CircuitState.Open);
    expect(breaker.lastFailure).toEqual({ value: { status: 503 } });
  });

  it('lets each rule choose its own failures', async () => {
    class Timeout extends Error {}
    const timeouts = new ConsecutiveFailuresRule({ threshold: 2, handle: handleType(Timeout) });
    const anything = new ConsecutiveFailuresRule({ threshold: 4 });
    const breaker = new CircuitBreaker({ rule: [timeouts, anything] });
    await run(breaker, fail, 3);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats().rules.map((rule) => rule.failures)).toEqual([0, 3]);
    await run(breaker, () => {
      throw new Timeout();
    });
    expect(breaker.state).toBe(CircuitState.Open); // the fourth failure in a row, for the second rule
  });

  it('takes a custom TripRule', async () => {
    let failures = 0;
    const everyThirdFailure: TripRule = {
      name: 'every-third-failure',
      handle: undefined,
      slowCallDuration: Number.POSITIVE_INFINITY,
      needsTime: false,
      get state() {
        return failures;
      },
      record: (failed) => failed && ++failures % 3 === 0,
      reset: () => {
        failures = 0;
      },
      metrics: () => ({
        rule: 'every-third-failure',
        calls: 0,
        failures,
        slowCalls: 0,
        failureRate: 0,
        slowCallRate: 0,
      }),
      success: () => {},
      failure: () => false,
    };
    const breaker = new CircuitBreaker({ rule: everyThirdFailure });
    await run(breaker, fail, 2);
    await run(breaker, succeed);
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(breaker.stats().rules[0]).toMatchObject({ rule: 'every-third-failure', failures: 3 });
  });

  it('opens on the slow-call rate even when every call succeeds', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new CountWindowRule({ size: 4, slowCallDuration: 1_000, slowCallRateThreshold: 0.5 }),
    });
    const slowCall = () => new Promise<string>((resolve) => clock.setTimeout(() => resolve('late'), 1_001));
    for (const fn of [succeed, slowCall, succeed]) {
      const call = breaker.execute(fn);
      await clock.runAll();
      await call;
    }
    expect(breaker.state).toBe(CircuitState.Closed);
    const call = breaker.execute(slowCall);
    await clock.runAll();
    expect(await call).toBe('late');
    expect(breaker.state).toBe(CircuitState.Open);
    expect(breaker.stats()).toMatchObject({ failures: 0, slowCalls: 2, slowCallRate: 0.5 });
  });

  it('reports durations from the injected clock to onSuccess/onFailure listeners', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock });
    const durations: number[] = [];
    breaker.onSuccess(({ duration }) => durations.push(duration));
    breaker.onFailure(({ duration }) => durations.push(-duration));
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const ok = breaker.execute(() => sleep(30));
    const bad = breaker.execute(() => sleep(70).then(fail)).catch(() => {});
    await clock.runAll();
    await ok;
    await bad;
    expect(durations).toEqual([30, -70]);
  });

  it('ignores outcomes of calls admitted before the circuit last changed', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(2), halfOpenAfter: 100 });
    const gates: (() => void)[] = [];
    const slowFailure = () => new Promise<never>((_, reject) => gates.push(() => reject(new Boom('late'))));
    const inFlight = [breaker.execute(slowFailure), breaker.execute(slowFailure), breaker.execute(slowFailure)];
    gates[0]?.();
    gates[1]?.();
    await Promise.allSettled(inFlight.slice(0, 2));
    expect(breaker.state).toBe(CircuitState.Open);
    await clock.advance(100);
    const probe = breaker.execute(async () => 'probe');
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    gates[2]?.(); // a failure from the closed era, arriving while half-open
    await Promise.allSettled(inFlight);
    expect(await probe).toBe('probe');
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ calls: 4, failures: 3, inFlight: 0, opens: 1 });
  });

  it('a late failure from before an open period does not count toward the next closed period', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(2), halfOpenAfter: 100 });
    let failLate: () => void = () => {};
    const late = breaker
      .execute(() => new Promise<never>((_, reject) => (failLate = () => reject(new Boom('late')))))
      .catch(() => {});
    await run(breaker, fail, 2);
    await clock.advance(100);
    await run(breaker, succeed); // the probe closes the circuit
    failLate();
    await late;
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Closed); // one current failure, not two
    expect(breaker.stats().rules[0]).toMatchObject({ failures: 1 });
  });
});

describe('CircuitBreaker: half-open', () => {
  async function openBreaker(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(1), halfOpenAfter: 1_000, ...options });
    await run(breaker, fail);
    await clock.advance(1_000);
    return { clock, breaker };
  }

  it('lets exactly `probes` calls through and rejects the rest at once, never queueing them', async () => {
    const { breaker } = await openBreaker({ halfOpen: { probes: 2 } });
    const gates: (() => void)[] = [];
    const held = () => new Promise<string>((resolve) => gates.push(() => resolve('probe')));
    const probes = [breaker.execute(held), breaker.execute(held)];
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    const extra = await outcome(breaker.execute(held));
    expect((extra as { error: unknown }).error).toBeInstanceOf(BreakerHalfOpenError);
    expect(gates).toHaveLength(2);
    for (const open of gates) open();
    expect(await Promise.all(probes)).toEqual(['probe', 'probe']);
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it('closes at the success threshold and re-opens as soon as it cannot be reached', async () => {
    const closing = await openBreaker({ halfOpen: { probes: 4, successThreshold: 0.5 } });
    await run(closing.breaker, fail);
    await run(closing.breaker, succeed);
    expect(closing.breaker.state).toBe(CircuitState.HalfOpen);
    await run(closing.breaker, succeed); // 2 of 4 succeeded: 50% is certain
    expect(closing.breaker.state).toBe(CircuitState.Closed);

    const reopening = await openBreaker({ halfOpen: { probes: 4, successThreshold: 0.75 } });
    await run(reopening.breaker, succeed);
    await run(reopening.breaker, fail);
    expect(reopening.breaker.state).toBe(CircuitState.HalfOpen);
    await run(reopening.breaker, fail); // at most 2 of 4 can succeed now
    expect(reopening.breaker.state).toBe(CircuitState.Open);
    expect(reopening.breaker.record).toMatchObject({ kind: 'open', attempt: 2 });
  });

  it('counts a slow probe as failed', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new CountWindowRule({ size: 1, slowCallDuration: 50 }),
      halfOpenAfter: 10,
    });
    await run(breaker, fail);
    await clock.advance(10);
    const probe = breaker.execute(() => new Promise<void>((resolve) => clock.setTimeout(resolve, 51)));
    await clock.runAll();
    await probe;
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it('re-opens when the probes do not settle within halfOpen.maxDuration', async () => {
    const { clock, breaker } = await openBreaker({ halfOpen: { maxDuration: 500 } });
    const reasons: unknown[] = [];
    breaker.onBreak((reason) => reasons.push(reason));
    void breaker.execute(() => new Promise(() => {}));
    await clock.advance(499);
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerHalfOpenError);
    await clock.advance(1);
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 2 });
    expect((reasons[0] as { error: unknown }).error).toBeInstanceOf(ProbeTimeoutError);
  });
});

describe('CircuitBreaker: open periods', () => {
  async function openDurations(halfOpenAfter: ConstructorParameters<typeof CircuitBreaker>[0]) {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(1), ...halfOpenAfter });
    const durations: number[] = [];
    await run(breaker, fail);
    for (let i = 0; i < 5; i++) {
      const record = breaker.record;
      if (record.kind !== 'open') throw new Error('expected open');
      durations.push(record.until - record.since);
      await clock.advanceTo(record.until);
      await run(breaker, fail); // the probe fails: re-open
    }
    return { durations, breaker, clock };
  }

  it('grows with each re-open through a cockatiel backoff, capped, and starts over once closed', async () => {
    const { durations, breaker, clock } = await openDurations({
      halfOpenAfter: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 100, maxDelay: 1_000 }),
    });
    expect(durations).toEqual([100, 200, 400, 800, 1_000]);
    await clock.advance(1_000);
    await run(breaker, succeed);
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, fail);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 1, until: clock.now() + 100 });
  });

  it('gives the backoff cockatiel’s context: attempt and the failure', async () => {
    const attempts: number[] = [];
    const { durations } = await openDurations({
      halfOpenAfter: new DelegateBackoff((context: { attempt: number; result: unknown }) => {
        attempts.push(context.attempt);
        expect((context.result as { error: unknown }).error).toBeInstanceOf(Boom);
        return 30 * context.attempt; // Envoy's outlier ejection: base × number of ejections
      }),
    });
    expect(durations).toEqual([30, 60, 90, 120, 150]);
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]); // the sixth opening ended the loop
  });

  it('takes fixed durations from a number, a ConstantBackoff or an IterableBackoff', async () => {
    expect((await openDurations({ halfOpenAfter: 250 })).durations).toEqual([250, 250, 250, 250, 250]);
    expect((await openDurations({ halfOpenAfter: new ConstantBackoff(70) })).durations).toEqual([70, 70, 70, 70, 70]);
    expect((await openDurations({ halfOpenAfter: new IterableBackoff([1, 2, 3]) })).durations).toEqual([1, 2, 3, 3, 3]);
  });

  it('treats a backoff duration that is not a number ≥ 0 as 0', async () => {
    const { durations } = await openDurations({ halfOpenAfter: new DelegateBackoff(() => Number.NaN) });
    expect(durations).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('CircuitBreaker: manual control and modes', () => {
  it('isolate() holds the circuit open until every handle is disposed', async () => {
    const breaker = new CircuitBreaker({ clock: new VirtualClock() });
    const events = recordEvents(breaker);
    const first = breaker.isolate();
    const second = breaker.isolate();
    const rejected = await outcome(breaker.execute(succeed));
    const error = (rejected as { error: BreakerIsolatedError }).error;
    expect(error).toBeInstanceOf(BreakerIsolatedError);
    expect(error.retryAfter).toBe(Number.POSITIVE_INFINITY);
    expect(breaker.retryAfter).toBe(Number.POSITIVE_INFINITY);
    first.dispose();
    first.dispose();
    expect(breaker.state).toBe(CircuitState.Isolated);
    second.dispose();
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(events).toEqual(['break:isolated', 'state:Isolated', 'rejected:isolated', 'reset', 'state:Closed']);
  });

  it('reset() closes from any state, ends isolation, and empties windows and backoff', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: consecutive(2),
      halfOpenAfter: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 100 }),
    });
    await run(breaker, fail, 2);
    await clock.advance(100);
    await run(breaker, fail);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 2 });
    breaker.reset();
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, fail);
    expect(breaker.state).toBe(CircuitState.Closed); // the window was emptied: 1 of 2
    await run(breaker, fail);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 1, until: clock.now() + 100 });

    const handle = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe(CircuitState.Closed);
    handle.dispose(); // a stale handle does nothing
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it('disabled mode admits everything and only counts', async () => {
    const breaker = new CircuitBreaker({ rule: consecutive(1), mode: 'disabled' });
    await run(breaker, fail, 5);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ mode: 'disabled', calls: 5, failures: 5, trips: 0 });
    expect(breaker.stats().rules[0]).toMatchObject({ failures: 0 });
  });

  it('metrics-only mode feeds the rules and counts trips without opening', async () => {
    const breaker = new CircuitBreaker({ rule: consecutive(2), mode: 'metrics-only' });
    const events = recordEvents(breaker);
    await run(breaker, fail, 5);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.stats()).toMatchObject({ trips: 2, opens: 0, failures: 5 });
    expect(events).toEqual([]);
    breaker.setMode('normal');
    await run(breaker, fail, 2);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it('leaving normal mode closes an open circuit; isolation outranks every mode', async () => {
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock: new VirtualClock() });
    await run(breaker, fail);
    breaker.setMode('metrics-only');
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(breaker.mode).toBe('metrics-only');
    const handle = breaker.isolate();
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(BreakerIsolatedError);
    breaker.setMode('disabled');
    expect(breaker.state).toBe(CircuitState.Isolated);
    handle.dispose();
    expect(await breaker.execute(succeed)).toBe('ok');
  });

  it('a listener that changes the state mid-announcement does not get a stale onStateChange', async () => {
    const breaker = new CircuitBreaker({ rule: consecutive(1), clock: new VirtualClock() });
    const states: string[] = [];
    breaker.onBreak((reason) => {
      if (!('isolated' in reason)) breaker.reset();
    });
    breaker.onStateChange((state) => states.push(CircuitState[state]));
    await run(breaker, fail);
    expect(states).toEqual(['Closed']);
    expect(breaker.state).toBe(CircuitState.Closed);
  });
});

describe('CircuitBreaker: stats and snapshots', () => {
  it('stats() reports calls, failures, slow calls, rates, state and time in state', async () => {
    const clock = new VirtualClock({ now: 1_000 });
    const breaker = new CircuitBreaker({
      clock,
      rule: new TimeWindowRule({ minimumCalls: 100, slowCallDuration: 5 }),
    });
    await run(breaker, fail, 1);
    await run(breaker, succeed, 3);
    const slow = breaker.execute(() => new Promise<void>((resolve) => clock.setTimeout(resolve, 6)));
    await clock.advance(10);
    await slow;
    const stats = breaker.stats();
    expect(stats).toMatchObject({
      state: CircuitState.Closed,
      mode: 'normal',
      since: 1_000,
      timeInState: 10,
      calls: 5,
      successes: 4,
      failures: 1,
      slowCalls: 1,
      failureRate: 0.2,
      slowCallRate: 0.2,
      rejections: 0,
      inFlight: 0,
      opens: 0,
    });
    expect(stats.rules).toEqual([
      { rule: 'time-window', calls: 5, failures: 1, slowCalls: 1, failureRate: 0.2, slowCallRate: 0.2 },
    ]);
  });

  it('toJSON() round-trips through JSON into initialState, mid open period', async () => {
    const clock = new VirtualClock();
    const options = () => ({
      clock,
      rule: [new CountWindowRule({ size: 10, minimumCalls: 3 }), new ConsecutiveFailuresRule({ threshold: 9 })],
      halfOpenAfter: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 100 }),
    });
    const breaker = new CircuitBreaker(options());
    await run(breaker, succeed);
    await run(breaker, fail, 2);
    expect(breaker.record).toMatchObject({ kind: 'open', attempt: 1, until: 100 });
    const saved = JSON.parse(JSON.stringify(breaker));
    expect(saved).toEqual(breaker.toJSON());

    const restored = new CircuitBreaker({ ...options(), initialState: saved });
    expect(restored.state).toBe(CircuitState.Open);
    expect(restored.retryAfter).toBe(100);
    await clock.advance(100);
    await run(restored, fail); // the probe fails: the backoff resumes at attempt 2
    expect(restored.record).toMatchObject({ kind: 'open', attempt: 2, until: 300 });
  });

  it('saves half-open as open and ready to probe, and keeps the windows', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({ clock, rule: consecutive(1), halfOpenAfter: 50 });
    await run(breaker, fail);
    await clock.advance(50);
    void breaker.execute(() => new Promise(() => {}));
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    const restored = new CircuitBreaker({
      clock,
      rule: consecutive(1),
      halfOpenAfter: 50,
      initialState: breaker.toJSON(),
    });
    expect(restored.state).toBe(CircuitState.Open);
    expect(restored.retryAfter).toBe(0);
    expect(await restored.execute(succeed)).toBe('ok');
    expect(restored.state).toBe(CircuitState.Closed);

    const windows = new CircuitBreaker({ rule: consecutive(3) });
    await run(windows, fail, 2);
    const again = new CircuitBreaker({ rule: consecutive(3), initialState: windows.toJSON() });
    await run(again, fail);
    expect(again.state).toBe(CircuitState.Open);
  });

  it('keeps isolation across a restore; reset() releases it', async () => {
    const breaker = new CircuitBreaker();
    breaker.isolate();
    const restored = new CircuitBreaker({ initialState: breaker.toJSON() });
    expect(restored.state).toBe(CircuitState.Isolated);
    restored.reset();
    expect(restored.state).toBe(CircuitState.Closed);
  });
});
