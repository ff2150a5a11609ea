import assert from 'node:assert/strict';
import { accept, connect, createMemoryLink, Identity, KeyDirectory } from '@palisade/messaging';

const a = Identity.generate('a');
const b = Identity.generate('b');
const directory = new KeyDirectory();
directory.register(a.publicIdentity);
directory.register(b.publicIdentity);
const [toB, toA] = createMemoryLink();
const atB = accept(toA, { identity: b, directory });
// The otel subpath, with the app's own OpenTelemetry SDK: one metric read back below.
const { instrumentChannel } = await import('@palisade/messaging/otel');
const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
class OnDemandReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
instrumentChannel(atB, { name: 'consumer', meterProvider });
const atA = connect(toB, { identity: a, directory, peer: 'b' });
const received = new Promise((resolve) => atB.onMessage((data) => resolve(new TextDecoder().decode(data))));
await atA.ready;
atA.send(new TextEncoder().encode('hello b'));
assert.equal(await received, 'hello b');
const { resourceMetrics } = await reader.collect();
const messages = resourceMetrics.scopeMetrics
  .flatMap((scope) => scope.metrics)
  .find((metric) => metric.descriptor.name === 'palisade.messaging.messages');
const receivedCount = messages?.dataPoints.find((p) => p.attributes['palisade.messaging.direction'] === 'received');
assert.equal(receivedCount?.value, 1);
await meterProvider.shutdown();
atA.close();
atB.close();
