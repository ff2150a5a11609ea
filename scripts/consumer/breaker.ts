import { type BreakerPermit, BreakerRegistry, CircuitBreaker, CountWindowRule } from '@palisade/breaker';
import { type BreakerInstrumentationOptions, instrumentBreaker, instrumentRegistry } from '@palisade/breaker/otel';
import { type IDisposable, VirtualClock } from '@palisade/core';

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

const options: BreakerInstrumentationOptions = { name: 'consumer' };
const handles: IDisposable[] = [
  instrumentBreaker(breaker, options),
  instrumentRegistry(new BreakerRegistry(), options),
];
// @ts-expect-error a name is required
instrumentBreaker(breaker, {});

export { answer, handles };
