import { InvalidOptionError } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget (Finagle’s, with the reserve as a floor)', () => {
  it('has Finagle’s defaults: 20% of calls, 10 per second, over 10 s', () => {
    const budget = new RetryBudget();
    expect([budget.percentCanRetry, budget.minRetriesPerSecond, budget.ttl]).toEqual([0.2, 10, 10_000]);
  });

  it('lets the reserve through with no calls at all: minRetriesPerSecond × ttl', () => {
    const budget = new RetryBudget();
    let granted = 0;
    while (budget.tryAcquire(0)) granted++;
    expect(granted).toBe(100);
    expect(budget.stats(0)).toMatchObject({ kind: 'budget', available: 0, granted: 100, refused: 1 });
  });

  it('earns one retry per five calls', () => {
    const budget = new RetryBudget({ minRetriesPerSecond: 0 });
    for (let i = 0; i < 50; i++) budget.onCall(i);
    let granted = 0;
    while (budget.tryAcquire(100)) granted++;
    expect(granted).toBe(10);
  });

  // Finagle adds the reserve to the percentage (1,000 calls would earn 300 retries here), which lets
  // a total outage cost 1.2× the calls plus 10 attempts a second at any rate; as a floor it costs 1.2×.
  it('takes the larger of the reserve and the percentage, not their sum', () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 1_000; i++) budget.onCall(0);
    let granted = 0;
    while (budget.tryAcquire(0)) granted++;
    expect(granted).toBe(200);
  });

  it('spends the reserve first, and earns nothing more until the percentage overtakes it', () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 100; i++) budget.onCall(0);
    let granted = 0;
    while (budget.tryAcquire(0)) granted++;
    expect(granted).toBe(100);
    for (let i = 0; i < 400; i++) budget.onCall(0);
    expect(budget.tryAcquire(0)).toBe(false);
    for (let i = 0; i < 5; i++) budget.onCall(0);
    expect(budget.tryAcquire(0)).toBe(true);
    expect(budget.stats(0)).toMatchObject({ available: 0, granted: 101 });
  });

  it('lets deposits and withdrawals expire after ttl', () => {
    const budget = new RetryBudget({ minRetriesPerSecond: 0, ttl: 1_000 });
    for (let i = 0; i < 10; i++) budget.onCall(0);
    expect(budget.tryAcquire(0)).toBe(true);
    expect(budget.tryAcquire(0)).toBe(true);
    expect(budget.tryAcquire(0)).toBe(false);
    expect(budget.tryAcquire(1_100)).toBe(false);
    budget.onCall(1_100);
    budget.onCall(1_100);
    budget.onCall(1_100);
    budget.onCall(1_100);
    budget.onCall(1_100);
    expect(budget.tryAcquire(1_100)).toBe(true);
  });

  it('with percentCanRetry 0, only the reserve is spent, one unit per retry', () => {
    const budget = new RetryBudget({ percentCanRetry: 0, minRetriesPerSecond: 1, ttl: 2_000 });
    for (let i = 0; i < 100; i++) budget.onCall(0);
    expect([budget.tryAcquire(0), budget.tryAcquire(0), budget.tryAcquire(0)]).toEqual([true, true, false]);
  });

  it('allows more retries than calls when percentCanRetry > 1', () => {
    const budget = new RetryBudget({ percentCanRetry: 2, minRetriesPerSecond: 0 });
    budget.onCall(0);
    expect([budget.tryAcquire(0), budget.tryAcquire(0), budget.tryAcquire(0)]).toEqual([true, true, false]);
  });

  it.each([
    ['percentCanRetry', { percentCanRetry: -0.1 }],
    ['percentCanRetry', { percentCanRetry: 1_001 }],
    ['minRetriesPerSecond', { minRetriesPerSecond: -1 }],
    ['ttl', { ttl: 0 }],
    ['ttl', { ttl: Number.NaN }],
  ])('rejects a bad %s', (option, options) => {
    expect(() => new RetryBudget(options)).toThrow(InvalidOptionError);
    expect(() => new RetryBudget(options)).toThrow(`"${option}"`);
  });

  // The property behind "retries cannot storm": whatever the arrivals and the demand for
  // retries, the retries granted within any stretch of time the window covers never exceed
  // the larger of the reserve and the percentage of the calls deposited in the ttl before.
  it('property: never grants more than the reserve or percentCanRetry of the calls of the last ttl, whichever is larger', () => {
    const event = fc.record({
      gap: fc.integer({ min: 0, max: 400 }),
      calls: fc.integer({ min: 0, max: 20 }),
      retries: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 200 }),
        fc.constantFrom(0.1, 0.2, 0.5, 1),
        fc.integer({ min: 0, max: 5 }),
        (events, percentCanRetry, minRetriesPerSecond) => {
          const ttl = 1_000;
          const budget = new RetryBudget({ percentCanRetry, minRetriesPerSecond, ttl });
          const calls: number[] = [];
          const grants: number[] = [];
          let now = 0;
          for (const { gap, calls: callCount, retries } of events) {
            now += gap;
            for (let i = 0; i < callCount; i++) {
              budget.onCall(now);
              calls.push(now);
            }
            for (let i = 0; i < retries; i++) {
              if (!budget.tryAcquire(now)) continue;
              grants.push(now);
              // The window slides by a tenth of ttl, so it always covers at least the last 0.9 × ttl.
              const granted = grants.filter((t) => t > now - 0.9 * ttl).length;
              const deposited = calls.filter((t) => t > now - ttl).length;
              const allowed = Math.max((minRetriesPerSecond * ttl) / 1_000, percentCanRetry * deposited);
              if (granted > allowed + 1e-9) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
