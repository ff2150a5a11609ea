import assert from 'node:assert/strict';
import { VirtualClock } from '@palisade/core';
import { JobQueue, ShardedQueue } from '@palisade/queue';

const clock = new VirtualClock();
const queue = new ShardedQueue({ shards: 4, clock });
// The otel subpath, with the app's own OpenTelemetry SDK: one metric read back below.
const { instrumentQueue } = await import('@palisade/queue/otel');
const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
class OnDemandReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
instrumentQueue(queue, { name: 'consumer', meterProvider });
const order = [];
const runs = ['first', 'second', 'third'].map((label) => queue.add('alice', () => void order.push(label)));
await Promise.all(runs);
assert.deepEqual(order, ['first', 'second', 'third']);
assert.equal(queue.shardFor('alice'), queue.shardFor('alice'));
const { resourceMetrics } = await reader.collect();
const tasks = resourceMetrics.scopeMetrics
  .flatMap((scope) => scope.metrics)
  .find((metric) => metric.descriptor.name === 'palisade.queue.tasks');
const completed = tasks?.dataPoints.find((point) => point.attributes['palisade.queue.outcome'] === 'completed');
assert.equal(completed?.value, 3);
await meterProvider.shutdown();

// The data-job API runs in process without bullmq or ioredis installed.
const jobs = new JobQueue({ handlers: { double: (n) => n * 2 } });
const id = await jobs.add('double', 21, { key: 'k' });
assert.equal(await jobs.result(id), 42);
await jobs.close();
