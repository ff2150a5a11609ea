/**
 * `@palisade/queue/redis`: the Redis engine of `JobQueue`, on BullMQ. Only
 * this entry point loads `bullmq` and `ioredis` (optional peer
 * dependencies); `@palisade/queue` never does.
 */
export type { RedisConnection } from './redis/connection.js';
export { redisEngine } from './redis/engine.js';
export type { RedisEngineOptions } from './redis/options.js';
