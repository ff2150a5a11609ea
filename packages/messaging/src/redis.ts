/**
 * `@palisade/messaging/redis`: channels over Redis Streams. Importing it
 * loads ioredis (an optional peer dependency); `@palisade/messaging` never does.
 */
export type { RedisConnection } from './redis-connection.js';
export {
  type DialRedisOptions,
  dialRedis,
  RedisInbox,
  type RedisInboxOptions,
  type RedisInboxStats,
  type RedisLinkEvent,
  type RedisLinkOptions,
} from './redis-inbox.js';
export { LinkConflictError, LinkFailedError, LinkUnavailableError, StreamGapError } from './redis-link-errors.js';
export {
  RedisStreamTransport,
  type RedisStreamTransportOptions,
  type RedisStreamTransportStats,
  redisStreamTransport,
} from './redis-stream-transport.js';
