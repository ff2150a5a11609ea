import { type JobContext, JobQueue, type QueueStats, ShardedQueue } from '@palisade/queue';
import { instrumentJobQueue, instrumentQueue, type QueueInstrumentationOptions } from '@palisade/queue/otel';

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

const jobs = new JobQueue({
  handlers: { charge: async (payload: { cents: number }, context: JobContext) => payload.cents + context.attempt },
});
const jobId: Promise<string> = jobs.add('charge', { cents: 5 }, { key: 'c-1' });
const charged: Promise<number> = jobs.result<'charge'>('some-id');
// @ts-expect-error the payload is typed by its handler
void jobs.add('charge', { cents: 'five' }, { key: 'c-1' });
// @ts-expect-error only registered handler names
void jobs.add('refund', { cents: 5 }, { key: 'c-1' });

const jobsInstrumentation = instrumentJobQueue(jobs, { name: 'charges' });

export { charged, instrumentation, jobId, jobsInstrumentation, stats, total };
