import { checkConnection as checkRedisConnection, type RedisConnection } from '@palisade/core/internal/redis';

export { createClient, type RedisClient, type RedisConnection } from '@palisade/core/internal/redis';

/** Throws `InvalidOptionError` unless `connection` describes a Redis the backend can use. */
export function checkConnection(connection: unknown): RedisConnection {
  return checkRedisConnection(connection, {
    keyPrefixRefusal: 'the keys name their circuit in a hash tag of their own',
  });
}
