import { delay, VirtualClock } from '@palisade/core';
import type { ShardedQueue } from './sharded-queue.js';

/** Keys that the queue's current router sends to `shardId`, for tests that need to aim at a shard. */
export function keysOnShard(queue: ShardedQueue<string>, shardId: number, count: number, prefix = 'k'): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}${i}`;
    if (queue.shardFor(key) === shardId) keys.push(key);
    if (i > 1_000_000) throw new Error(`no keys found for shard ${shardId}`);
  }
  return keys;
}

/** A task that takes `ms` on the clock and records its start. */
export function timed<T>(clock: VirtualClock, ms: number, value: T, log?: string[], label?: string) {
  return async ({ signal }: { signal: AbortSignal }): Promise<T> => {
    log?.push(label ?? String(value));
    await delay(ms, { clock, signal });
    return value;
  };
}

/** Settles and reports a promise as a string, so a test can assert on many outcomes at once. */
export function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `ok:${String(value)}`,
    (error: { name?: string }) => `err:${error?.name ?? String(error)}`,
  );
}

export { VirtualClock };
