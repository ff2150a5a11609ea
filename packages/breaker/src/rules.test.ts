import { VirtualClock } from '@palisade/core';
import { CircuitState, circuitBreaker, handleAll, handleType } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Boom } from './breaker.test-util.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { TimeWindowRule } from './time-window-rule.js';

describe('ConsecutiveFailuresRule', () => {
  it('trips on the threshold-th failure in a row; a success starts over', () => {
    const rule = new ConsecutiveFailuresRule({ threshold: 3 });
    expect([rule.record(true), rule.record(true), rule.record(false), rule.record(true), rule.record(true)]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(rule.record(true)).toBe(true);
    expect(rule.metrics()).toMatchObject({ rule: 'consecutive-failures', calls: 3, failures: 3, failureRate: 1 });
    rule.reset();
    expect(rule.state).toBe(0);
  });

  it('saves and restores its run as a number, as cockatiel does', () => {
    const rule = new ConsecutiveFailuresRule({ threshold: 3 });
    rule.state = 2;
    expect(rule.record(true)).toBe(true);
    expect(() => {
      rule.state = -1;
    }).toThrow(/state/);
  });
});

describe('CountWindowRule', () => {
  it('decides nothing below minimumCalls, then trips at the failure rate', () => {
    const rule = new CountWindowRule({ size: 4, minimumCalls: 4, failureRateThreshold: 0.5 });
    expect(rule.record(true, 0)).toBe(false);
    expect(rule.record(true, 0)).toBe(false);
    expect(rule.record(false, 0)).toBe(false);
    expect(rule.record(false, 0)).toBe(true); // 2 of 4: 50% reaches 50%
  });

  it('slides: the oldest call leaves the window', () => {
    const rule = new CountWindowRule({ size: 3, failureRateThreshold: 0.6 });
    rule.record(true, 0);
    rule.record(false, 0);
    expect(rule.record(false, 0)).toBe(false); // 1/3
    expect(rule.record(true, 0)).toBe(false); // [s, s, f]: the first failure left
    expect(rule.record(true, 0)).toBe(true); // [s, f, f]: 2/3
    expect(rule.metrics()).toMatchObject({ calls: 3, failures: 2 });
  });

  it('counts slow calls, even successful ones, against slowCallRateThreshold', () => {
    const rule = new CountWindowRule({ size: 4, slowCallDuration: 100, slowCallRateThreshold: 0.75 });
    expect(rule.record(false, 100)).toBe(false); // exactly 100 ms is not slower than 100
    expect(rule.record(false, 101)).toBe(false);
    expect(rule.record(false, 500)).toBe(false);
    expect(rule.metrics()).toMatchObject({ calls: 3, failures: 0, slowCalls: 2 });
    expect(rule.record(false, 900)).toBe(true); // 3 of 4 slow: 75%
  });

  it('hits an exact decimal threshold: 3 of 10 is 30%', () => {
    const rule = new CountWindowRule({ size: 10, failureRateThreshold: 0.3 });
    const outcomes = [true, true, true, false, false, false, false, false, false, false];
    expect(outcomes.map((failed) => rule.record(failed, 0)).at(-1)).toBe(true);
  });

  it('round-trips its window through state, and refuses a window of another size', () => {
    const rule = new CountWindowRule({ size: 3, slowCallDuration: 10 });
    rule.record(true, 0);
    rule.record(false, 20);
    rule.record(false, 0);
    rule.record(true, 20);
    const copy = new CountWindowRule({ size: 3, slowCallDuration: 10 });
    copy.state = JSON.parse(JSON.stringify(rule.state));
    expect(copy.metrics()).toEqual(rule.metrics());
    expect(copy.state).toEqual({ size: 3, samples: [2, 0, 3] });
    expect(() => {
      new CountWindowRule({ size: 4 }).state = rule.state;
    }).toThrow(/size 4/);
  });
});

describe('TimeWindowRule', () => {
  it('needs the minimum throughput, then trips at the failure rate', () => {
    const rule = new TimeWindowRule({ duration: 1_000, buckets: 10, minimumCalls: 4, failureRateThreshold: 0.5 });
    expect(rule.record(true, 0, 0)).toBe(false);
    expect(rule.record(true, 0, 10)).toBe(false);
    expect(rule.record(true, 0, 20)).toBe(false);
    expect(rule.record(false, 0, 30)).toBe(true);
  });

  it('forgets calls older than the window, one bucket at a time', () => {
    const rule = new TimeWindowRule({ duration: 1_000, buckets: 10, minimumCalls: 1 });
    rule.record(false, 0, 0);
    rule.record(false, 0, 150);
    expect(rule.metrics(999)).toMatchObject({ calls: 2 });
    expect(rule.metrics(1_000)).toMatchObject({ calls: 1 }); // bucket [0, 100) slid out
    expect(rule.metrics(1_099)).toMatchObject({ calls: 1 });
    expect(rule.metrics(1_100)).toMatchObject({ calls: 0 }); // and [100, 200) with it
    expect(rule.metrics(50_000)).toMatchObject({ calls: 0 });
  });

  it('a gap longer than the window empties it', () => {
    const rule = new TimeWindowRule({ duration: 1_000, buckets: 4, minimumCalls: 2 });
    rule.record(true, 0, 0);
    expect(rule.record(true, 0, 5_000)).toBe(false);
    expect(rule.metrics(5_000)).toMatchObject({ calls: 1, failures: 1 });
  });

  it('a clock that steps back keeps counting into the newest bucket', () => {
    const rule = new TimeWindowRule({ duration: 1_000, buckets: 10, minimumCalls: 1, failureRateThreshold: 1 });
    rule.record(false, 0, 500);
    rule.record(true, 0, 100);
    expect(rule.metrics(500)).toMatchObject({ calls: 2, failures: 1 });
  });

  it('counts slow calls', () => {
    const rule = new TimeWindowRule({ minimumCalls: 2, slowCallDuration: 50, slowCallRateThreshold: 1 });
    expect(rule.record(false, 51, 0)).toBe(false);
    expect(rule.record(false, 60, 1)).toBe(true);
  });

  it('round-trips its buckets through state', () => {
    const rule = new TimeWindowRule({ duration: 400, buckets: 4, minimumCalls: 1 });
    rule.record(true, 0, 0);
    rule.record(false, 0, 150);
    rule.record(false, 0, 390);
    const copy = new TimeWindowRule({ duration: 400, buckets: 4, minimumCalls: 1 });
    expect(rule.state).toMatchObject({ bucketDuration: 100 });
    copy.state = JSON.parse(JSON.stringify(rule.state));
    expect(copy.metrics(390)).toEqual(rule.metrics(390));
    expect(copy.metrics(410)).toEqual(rule.metrics(410));
    expect(() => {
      new TimeWindowRule({ duration: 400, buckets: 8 }).state = rule.state;
    }).toThrow(/8 buckets/);
    const empty = new TimeWindowRule();
    empty.state = new TimeWindowRule().state;
    expect(empty.metrics(0).calls).toBe(0);
  });
});

describe('trip rules inside cockatiel’s own circuitBreaker()', () => {
  const failingCalls = async (policy: ReturnType<typeof circuitBreaker>, count: number) => {
    for (let i = 0; i < count; i++) {
      await policy
        .execute(() => {
          throw new Boom('x');
        })
        .catch(() => {});
    }
  };

  it('ConsecutiveFailuresRule opens cockatiel’s breaker', async () => {
    const policy = circuitBreaker(handleAll, {
      halfOpenAfter: 60_000,
      breaker: new ConsecutiveFailuresRule({ threshold: 3 }),
    });
    await failingCalls(policy, 2);
    expect(policy.state).toBe(CircuitState.Closed);
    await failingCalls(policy, 1);
    expect(policy.state).toBe(CircuitState.Open);
  });

  it('CountWindowRule opens cockatiel’s breaker, and its state survives cockatiel’s toJSON', async () => {
    const rule = new CountWindowRule({ size: 4, failureRateThreshold: 0.5 });
    const policy = circuitBreaker(handleType(Boom), { halfOpenAfter: 60_000, breaker: rule });
    await policy.execute(() => 'ok');
    await policy.execute(() => 'ok');
    await failingCalls(policy, 1);
    const saved = policy.toJSON();
    await failingCalls(policy, 1);
    expect(policy.state).toBe(CircuitState.Open);

    const restored = circuitBreaker(handleAll, {
      halfOpenAfter: 60_000,
      breaker: new CountWindowRule({ size: 4, failureRateThreshold: 0.5 }),
      initialState: JSON.parse(JSON.stringify(saved)),
    });
    await failingCalls(restored, 1);
    expect(restored.state).toBe(CircuitState.Open);
  });

  it('TimeWindowRule opens cockatiel’s breaker on its own clock', async () => {
    const clock = new VirtualClock();
    const rule = new TimeWindowRule({ duration: 1_000, minimumCalls: 3, failureRateThreshold: 1, clock });
    const policy = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: rule });
    await failingCalls(policy, 2);
    await clock.advance(2_000); // the two failures leave the window
    await failingCalls(policy, 2);
    expect(policy.state).toBe(CircuitState.Closed);
    await failingCalls(policy, 1);
    expect(policy.state).toBe(CircuitState.Open);
  });

  it('a rule resets when cockatiel closes the circuit after half-open', async () => {
    const rule = new CountWindowRule({ size: 2 });
    rule.failure(CircuitState.Closed);
    rule.success(CircuitState.HalfOpen);
    expect(rule.metrics()).toMatchObject({ calls: 1, failures: 0 });
    expect(rule.failure(CircuitState.HalfOpen)).toBe(true);
  });
});
