import assert from 'node:assert/strict';
import { BreakerOpenError, CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { VirtualClock } from '@palisade/core';
import { BrokenCircuitError, handleAll, retry, wrap } from 'cockatiel';

const clock = new VirtualClock();
const breaker = new CircuitBreaker({
  clock,
  rule: new ConsecutiveFailuresRule({ threshold: 2 }),
  halfOpenAfter: 1_000,
});
for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
const rejected = await breaker.execute(() => 'never').catch((error) => error);
assert.ok(rejected instanceof BreakerOpenError && rejected instanceof BrokenCircuitError);
// A palisade breaker is a cockatiel policy.
const policy = wrap(retry(handleAll, { maxAttempts: 1 }), breaker);
await clock.advance(1_000);
assert.equal(await policy.execute(() => 'ok'), 'ok');
