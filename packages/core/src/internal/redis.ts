/**
 * `@palisade/core/internal/redis`: the Redis connection helpers that the
 * packages' `redis` adapters share. Like `@palisade/core/internal` it is not
 * part of the public API and may change in any release. It is a subpath of its
 * own because it loads ioredis (an optional peer dependency of core), which
 * the root entry point and `@palisade/core/internal` never do.
 */
export { type ClientOverrides, createClient, type RedisClient } from '../redis-client.js';
export {
  type ConnectionCheck,
  checkConnection,
  type RedisClusterConnection,
  type RedisConnection,
} from '../redis-connection.js';
