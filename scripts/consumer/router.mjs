import assert from 'node:assert/strict';
import { seededRandom, VirtualClock } from '@palisade/core';
import { Router } from '@palisade/router';

const clock = new VirtualClock();
const router = new Router({ clock, random: seededRandom(1), endpoints: [{ id: 'a' }, { id: 'b' }] });
// The otel subpath, with the app's own OpenTelemetry SDK: one metric read back below.
const { instrumentRouter } = await import('@palisade/router/otel');
const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
class OnDemandReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
instrumentRouter(router, { name: 'consumer', meterProvider });
const call = router.execute((endpoint) => (endpoint.id === 'a' ? Promise.reject(new Error('a is down')) : 'from b'));
await clock.runAll();
assert.equal(await call, 'from b');
const { resourceMetrics } = await reader.collect();
const calls = resourceMetrics.scopeMetrics
  .flatMap((scope) => scope.metrics)
  .find((metric) => metric.descriptor.name === 'palisade.router.calls');
const succeeded = calls?.dataPoints.find((point) => point.attributes['palisade.router.outcome'] === 'success');
assert.equal(succeeded?.value, 1);
await meterProvider.shutdown();
