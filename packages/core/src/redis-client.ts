import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isClusterConnection, type RedisConnection } from './redis-connection.js';

export type RedisClient = Redis | Cluster;

/**
 * What an adapter sets on each client it opens, on top of the caller's
 * options. On a cluster, `enableOfflineQueue` is the cluster client's own
 * option and the rest go to every node's connection.
 */
export type ClientOverrides = RedisOptions & { readonly enableOfflineQueue?: boolean };

/** A client for `connection`, with `overrides` on top of the caller's options. */
export function createClient(connection: RedisConnection, overrides: ClientOverrides): RedisClient {
  let client: RedisClient;
  if (typeof connection === 'string') {
    client = new Redis(connection, overrides);
  } else if (isClusterConnection(connection)) {
    const { enableOfflineQueue, ...redisOverrides } = overrides;
    client = new Cluster([...connection.cluster], {
      ...connection.options,
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      redisOptions: { ...connection.options?.redisOptions, ...redisOverrides },
    });
  } else {
    client = new Redis({ ...connection, ...overrides });
  }
  // Without a listener ioredis prints every connection error; the adapter sees them as the commands' failures instead.
  client.on('error', () => {});
  return client;
}
