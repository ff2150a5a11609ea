import { type QueueStats, ShardedQueue } from '@palisade/queue';

interface Order {
  readonly customer: string;
}
const queue = new ShardedQueue<Order>({ keyOf: (order) => order.customer, shards: 2 });
const total: Promise<number> = queue.add({ customer: 'c-1' }, async ({ shardId }) => shardId);
const stats: QueueStats = queue.stats();
// @ts-expect-error keys that are not strings or numbers need keyOf
new ShardedQueue<Order>({ shards: 2 });

export { stats, total };
