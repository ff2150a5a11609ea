import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import { InvalidOptionError } from './errors.js';

/** The seed nodes of a Redis Cluster, and the options for the cluster client. */
export interface RedisClusterConnection {
  readonly cluster: readonly ClusterNode[];
  readonly options?: ClusterOptions;
}

/**
 * Where Redis is: a `redis://` URL, ioredis options for one server, or the
 * seed nodes of a Redis Cluster. An adapter opens its own connections from
 * it, each with the settings its role needs, so it takes a description, not
 * a client.
 */
export type RedisConnection = string | RedisOptions | RedisClusterConnection;

export function isClusterConnection(connection: RedisConnection): connection is RedisClusterConnection {
  return typeof connection === 'object' && connection !== null && 'cluster' in connection;
}

/** How an adapter's `connection` option is checked. */
export interface ConnectionCheck {
  /** The option's dotted path, named by the error. @default 'connection' */
  readonly path?: string;
  /**
   * Why the adapter refuses ioredis' `keyPrefix`: each adapter names its keys
   * itself (with Cluster hash tags) and takes `prefix` for the first part.
   */
  readonly keyPrefixRefusal: string;
}

/** Throws `InvalidOptionError` (naming `path`) unless `connection` describes a Redis. */
export function checkConnection(
  connection: unknown,
  { path = 'connection', keyPrefixRefusal }: ConnectionCheck,
): RedisConnection {
  const isUrl = typeof connection === 'string' && /^rediss?:\/\//.test(connection);
  const isObject = typeof connection === 'object' && connection !== null && !Array.isArray(connection);
  if (!isUrl && !isObject) {
    throw new InvalidOptionError(
      path,
      'a redis:// URL, ioredis options ({ host, port }), or { cluster: [{ host, port }, …] }',
      connection,
    );
  }
  const described = connection as RedisConnection;
  if (isObject && isClusterConnection(described)) {
    if (!Array.isArray(described.cluster) || described.cluster.length === 0) {
      throw new InvalidOptionError(`${path}.cluster`, 'a non-empty array of cluster nodes', described.cluster);
    }
  } else if (isObject && (described as { keyPrefix?: unknown }).keyPrefix !== undefined) {
    throw new InvalidOptionError(
      `${path}.keyPrefix`,
      `no value: ${keyPrefixRefusal} (use prefix)`,
      (described as { keyPrefix?: unknown }).keyPrefix,
    );
  }
  return described;
}
