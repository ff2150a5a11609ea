import { Redis } from 'ioredis';
import { RedisBreakerBackend } from './redis-breaker-backend.js';
import type { RedisBreakerBackendOptions } from './redis-breaker-options.js';

/** ioredis options for the test server at `url`, reconnecting fast so that fault tests stay short. */
export function testConnection(url: string): { host: string; port: number; retryStrategy: () => number } {
  return { host: '127.0.0.1', port: Number(new URL(url).port), retryStrategy: () => 50 };
}

/** A backend, as a separate process would have one, and a client of the test's own to look into Redis. */
export interface TestBackend {
  readonly backend: RedisBreakerBackend;
  readonly redis: Redis;
  stop(): Promise<void>;
}

export function testBackend(url: string, options: Omit<RedisBreakerBackendOptions, 'connection'> = {}): TestBackend {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => {});
  const backend = new RedisBreakerBackend({ connection: testConnection(url), ...options });
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
