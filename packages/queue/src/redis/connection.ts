import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: a `redis://` URL, ioredis options for one server, or the
 * seed nodes of a Redis Cluster. The engine opens its own connections from it
 * (each with the settings its role needs), so it takes a description, not a
 * client.
 */
export type RedisConnection =
  | string
  | RedisOptions
  | { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions };

export type RedisClient = Redis | Cluster;

export function isClusterConnection(
  connection: RedisConnection,
): connection is { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions } {
  return typeof connection === 'object' && connection !== null && 'cluster' in connection;
}

/** A client for `connection`, with `overrides` on top of the caller's options (ioredis' `keyPrefix` is refused: BullMQ cannot work under it). */
export function createClient(
  connection: RedisConnection,
  overrides: RedisOptions & { readonly enableOfflineQueue?: boolean },
): RedisClient {
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
  // Without a listener ioredis prints every connection error; the engine sees them as failed commands instead.
  client.on('error', () => {});
  return client;
}
