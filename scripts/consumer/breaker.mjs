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

// The otel subpath, with the app's own OpenTelemetry SDK: one metric read back.
const { instrumentBreaker } = await import('@palisade/breaker/otel');
const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
class OnDemandReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const instrumented = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
instrumentBreaker(instrumented, { name: 'consumer', meterProvider });
await instrumented.execute(() => Promise.reject(new Error('down'))).catch(() => {});
await instrumented.execute(() => 'never').catch(() => {});
const { resourceMetrics } = await reader.collect();
const calls = resourceMetrics.scopeMetrics
  .flatMap((scope) => scope.metrics)
  .find((metric) => metric.descriptor.name === 'palisade.breaker.calls');
const rejectedCalls = calls?.dataPoints.find((point) => point.attributes['palisade.breaker.outcome'] === 'rejected');
assert.equal(rejectedCalls?.value, 1);
await meterProvider.shutdown();
