/**
 * `@palisade/messaging/redis`: channels over Redis Streams. It loads nothing
 * of ioredis itself: you pass it your client.
 */
export type { RedisClient } from './redis-connection.js';
export {
  type DialRedisOptions,
  dialRedis,
  RedisInbox,
  type RedisInboxOptions,
  type RedisInboxStats,
  type RedisLinkEvent,
  type RedisLinkOptions,
} from './redis-inbox.js';
export { LinkConflictError, LinkFailedError, StreamGapError } from './redis-link-errors.js';
export {
  RedisStreamTransport,
  type RedisStreamTransportOptions,
  type RedisStreamTransportStats,
  redisStreamTransport,
} from './redis-stream-transport.js';
