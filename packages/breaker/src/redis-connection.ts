import { InvalidOptionError } from '@palisade/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: a `redis://` URL, ioredis options for one server, or the
 * seed nodes of a Redis Cluster. The backend opens its own connections from
 * it, each with the settings its role needs, so it takes a description, not
 * a client.
 */
export type RedisConnection =
  | string
  | RedisOptions
  | { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions };

export type RedisClient = Redis | Cluster;

function isClusterConnection(
  connection: RedisConnection,
): connection is { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions } {
  return typeof connection === 'object' && connection !== null && 'cluster' in connection;
}

/** Throws `InvalidOptionError` unless `connection` describes a Redis. */
export function checkConnection(connection: unknown): RedisConnection {
  const isUrl = typeof connection === 'string' && /^rediss?:\/\//.test(connection);
  const isObject = typeof connection === 'object' && connection !== null && !Array.isArray(connection);
  if (!isUrl && !isObject) {
    throw new InvalidOptionError(
      'connection',
      'a redis:// URL, ioredis options ({ host, port }), or { cluster: [{ host, port }, …] }',
      connection,
    );
  }
  const described = connection as RedisConnection;
  if (isObject && isClusterConnection(described)) {
    if (!Array.isArray(described.cluster) || described.cluster.length === 0) {
      throw new InvalidOptionError('connection.cluster', 'a non-empty array of cluster nodes', described.cluster);
    }
  } else if (isObject && (described as { keyPrefix?: unknown }).keyPrefix !== undefined) {
    throw new InvalidOptionError(
      'connection.keyPrefix',
      'no value: the keys name their circuit in a hash tag of their own (use prefix)',
      (described as { keyPrefix?: unknown }).keyPrefix,
    );
  }
  return described;
}

/** A client for `connection`, with `overrides` on top of the caller's options. */
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
  // Without a listener ioredis prints every connection error; the backend sees them as failed commands instead.
  client.on('error', () => {});
  return client;
}
