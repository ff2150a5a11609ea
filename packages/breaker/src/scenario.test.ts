import { VirtualClock } from '@palisade/core';
import { CircuitState, ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Boom } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';

/**
 * A dependency under steady load (a call every 100 ms, each taking 10 ms) on
 * virtual time. It works until 2 s, is down until 8 s, works until 12 s, then
 * flaps: it answers only in the first 150 ms of every second.
 */
function isUp(time: number): boolean {
  if (time < 2_000) return true;
  if (time < 8_000) return false;
  if (time < 12_000) return true;
  return (time - 12_000) % 1_000 < 150;
}

describe('scenario on the virtual clock: a dependency fails, recovers, then flaps', () => {
  it('opens, backs off while it stays down, closes on recovery, and backs off again while it flaps', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker({
      clock,
      rule: new ConsecutiveFailuresRule({ threshold: 3 }),
      halfOpenAfter: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 1_000, maxDelay: 4_000 }),
    });
    const events: string[] = [];
    breaker.onBreak(() => events.push(`${clock.now()} break`));
    breaker.onHalfOpen(() => events.push(`${clock.now()} half-open`));
    breaker.onReset(() => events.push(`${clock.now()} reset`));
    const states: CircuitState[] = [];
    breaker.onStateChange((state) => states.push(state));
    const openPeriods: number[] = [];
    breaker.onBreak(() => {
      const record = breaker.record;
      if (record.kind === 'open') openPeriods.push(record.until - record.since);
    });

    let reachedWhileDown = 0;
    const dependency = () => {
      const up = isUp(clock.now());
      if (!up) reachedWhileDown++;
      return new Promise<string>((resolve, reject) =>
        clock.setTimeout(() => (up ? resolve('ok') : reject(new Boom('down'))), 10),
      );
    };
    const results: Promise<string>[] = [];
    for (let i = 0; i < 200; i++) {
      clock.setTimeout(() => {
        results.push(
          breaker.execute(dependency).then(
            () => 'ok',
            (error: { name: string }) => error.name,
          ),
        );
      }, i * 100);
    }
    await clock.runAll();
    const outcomes = await Promise.all(results);

    expect(events).toEqual([
      // Down at 2 s: three failures in a row open the circuit.
      '2210 break',
      // Each probe finds it still down, and the open period doubles: 1 s, 2 s, 4 s.
      '3300 half-open',
      '3310 break',
      '5400 half-open',
      '5410 break',
      // Up again since 8 s; the next probe, at 9.5 s, closes the circuit.
      '9500 half-open',
      '9510 reset',
      // Flapping from 12 s: two calls get through, then three failures open it again…
      '12410 break',
      // …and each probe lands in a down moment, so the backoff grows to its cap instead of thrashing.
      '13500 half-open',
      '13510 break',
      '15600 half-open',
      '15610 break',
      '19700 half-open',
      '19710 break',
    ]);
    expect(openPeriods).toEqual([1_000, 2_000, 4_000, 1_000, 2_000, 4_000, 4_000]);
    expect(states.map((state) => CircuitState[state]).join(' ')).toBe(
      'Open HalfOpen Open HalfOpen Open HalfOpen Closed Open HalfOpen Open HalfOpen Open HalfOpen Open',
    );

    const count = (name: string) => outcomes.filter((outcome) => outcome === name).length;
    expect(count('ok')).toBe(47);
    expect(count('Boom')).toBe(11);
    expect(count('BreakerOpenError')).toBe(142);
    // Of 124 calls made while the dependency was down, 11 reached it: 3 to trip twice, and one probe per open period.
    expect(reachedWhileDown).toBe(11);
    expect(breaker.stats()).toMatchObject({
      state: CircuitState.Open,
      calls: 58,
      successes: 47,
      failures: 11,
      rejections: 142,
      opens: 7,
      inFlight: 0,
    });
  });
});
