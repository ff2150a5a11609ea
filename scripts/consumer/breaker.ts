import { type BreakerPermit, CircuitBreaker, CountWindowRule } from '@palisade/breaker';
import { VirtualClock } from '@palisade/core';

const breaker = new CircuitBreaker({
  clock: new VirtualClock(),
  rule: new CountWindowRule({ size: 10, minimumCalls: 5 }),
});
const permit = breaker.tryAcquire();
if (permit.admitted) {
  const admitted: BreakerPermit = permit;
  admitted.success(12);
}
const answer: Promise<number> = breaker.execute(async () => 42);
// @ts-expect-error halfOpenAfter is milliseconds or a backoff
new CircuitBreaker({ halfOpenAfter: 'soon' });

export { answer };
