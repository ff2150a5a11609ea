import { Redis } from 'ioredis';
import { RedisBreakerBackend } from './redis-breaker-backend.js';
import type { RedisBreakerBackendOptions } from './redis-breaker-options.js';

/** A backend on its own client, as a separate process would have; `stop()` closes both. */
export interface TestBackend {
  readonly backend: RedisBreakerBackend;
  readonly redis: Redis;
  stop(): Promise<void>;
}

export function testBackend(url: string, options: Omit<RedisBreakerBackendOptions, 'redis'> = {}): TestBackend {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => {});
  const backend = new RedisBreakerBackend({ redis, ...options });
  return {
    backend,
    redis,
    async stop() {
      await backend.close();
      redis.disconnect();
    },
  };
}

/** Polls `condition` every few ms until it holds, for at most `timeout` ms; returns whether it did. */
export async function eventually(condition: () => boolean, timeout = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

/** The number of times Redis ran each command, from `INFO commandstats`. */
export async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}
