import { InvalidOptionError } from '@palisade/core';
import type { JobEngine, JobQueueConfig } from '../jobs/engine.js';
import { type RedisEngineOptions, resolveRedisOptions } from './options.js';
import { RedisQueue } from './redis-queue.js';

/**
 * Stores and runs a `JobQueue`'s jobs on Redis through BullMQ, across any
 * number of processes: pass it as the `engine` option. Each shard is a
 * BullMQ queue that runs one job at a time across every process (with
 * `keyOrder: 'fifo'`), worker processes share the shards by leases, and a
 * resize hands keys over in order. See the README's "On Redis" section.
 */
export function redisEngine(options: RedisEngineOptions): JobEngine {
  const resolved = resolveRedisOptions(options);
  return {
    kind: 'redis',
    check(config: JobQueueConfig): void {
      if (config.orderedKeys && config.concurrency !== 1) {
        throw new InvalidOptionError(
          'concurrency',
          "1 with keyOrder 'fifo' on Redis, where a shard is one list that runs one job at a time (add shards for parallelism)",
          config.concurrency,
        );
      }
    },
    open: (spec) => new RedisQueue(spec, resolved),
  };
}
