import type { JobsOptions } from 'bullmq';
import type { JobQueueConfig } from '../jobs/engine.js';
import type { RedisContext } from './context.js';

/** What every job of the queue is added with: no BullMQ retries (ours keep order), and results kept for `result`. */
export function jobOptions(config: JobQueueConfig): JobsOptions {
  const keep = config.keepResults === 0 ? true : { count: config.keepResults };
  return { attempts: 1, removeOnComplete: keep, removeOnFail: keep };
}

/** A shard queue's settings, from this process's options: one job at a time when ordered, and the rate limit. */
export async function prepareShardQueue(ctx: RedisContext, shard: number): Promise<void> {
  const queue = ctx.adminQueue(shard);
  const { config } = ctx;
  await queue.setGlobalConcurrency(config.orderedKeys ? 1 : config.concurrency);
  if (config.intervalCap !== Number.POSITIVE_INFINITY && config.interval > 0) {
    await queue.setGlobalRateLimit(config.intervalCap, config.interval);
  } else {
    await queue.removeGlobalRateLimit();
  }
}
