import { type QueueStats, ShardedQueue } from '@palisade/queue';
import { instrumentQueue, type QueueInstrumentationOptions } from '@palisade/queue/otel';

interface Order {
  readonly customer: string;
}
const queue = new ShardedQueue<Order>({ keyOf: (order) => order.customer, shards: 2 });
const total: Promise<number> = queue.add({ customer: 'c-1' }, async ({ shardId }) => shardId);
const stats: QueueStats = queue.stats();
// @ts-expect-error keys that are not strings or numbers need keyOf
new ShardedQueue<Order>({ shards: 2 });

const options: QueueInstrumentationOptions = { name: 'orders' };
const instrumentation = instrumentQueue(queue, options);

export { instrumentation, stats, total };
