import { InvalidOptionError } from '@palisade/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: a `redis://` URL, ioredis options for one server, or the
 * seed nodes of a Redis Cluster. A transport opens its own connections from
 * it, each with the settings its role needs, so it takes a description, not
 * a client.
 */
export type RedisConnection =
  | string
  | RedisOptions
  | { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions };

/** The part of an ioredis connection the Redis transports use. */
export interface Connection {
  readonly status?: string;
  call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>;
  callBuffer(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): void;
}

function isClusterConnection(
  connection: RedisConnection,
): connection is { readonly cluster: readonly ClusterNode[]; readonly options?: ClusterOptions } {
  return typeof connection === 'object' && connection !== null && 'cluster' in connection;
}

/** Throws `InvalidOptionError` (naming `path`) unless `connection` describes a Redis. */
export function checkConnection(connection: unknown, path = 'connection'): RedisConnection {
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
      'no value: a link names its streams in a hash tag of their own (use prefix)',
      (described as { keyPrefix?: unknown }).keyPrefix,
    );
  }
  return described;
}

/**
 * A connection of the transport's own: the reader blocks on XREAD, and the
 * writer must see every failure (no offline queue, no silent resend) to
 * resend in order itself.
 */
export function openConnection(connection: RedisConnection, name: string, role: 'reader' | 'writer'): Connection {
  const overrides: RedisOptions =
    role === 'writer'
      ? { connectionName: name, enableOfflineQueue: false, autoResendUnfulfilledCommands: false }
      : { connectionName: name };
  let client: Redis | Cluster;
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
  // Connection errors also fail the commands, which is where they are handled; without a listener ioredis prints them.
  client.on('error', () => {});
  return client as unknown as Connection;
}

/** Whether an ioredis error came from Redis (a reply) rather than from the connection. */
export function isReplyError(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ReplyError';
}

/** Resolves once `connection` is ready (at once if it is), or has ended for good. */
export function whenReady(connection: Connection): Promise<void> {
  if (connection.status === undefined || connection.status === 'ready' || connection.status === 'end') {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (): void => {
      connection.removeListener('ready', done);
      connection.removeListener('end', done);
      resolve();
    };
    connection.on('ready', done);
    connection.on('end', done);
  });
}

/**
 * The entries of the one stream an XREAD asked for: `[[key, entries]]` over
 * RESP2, `[key, entries]` (a map, flattened by ioredis) over RESP3.
 */
export function readEntries<T>(reply: unknown): [T, T[]][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = Array.isArray(reply[0]) ? reply[0] : reply;
  return (stream[1] ?? []) as [T, T[]][];
}
