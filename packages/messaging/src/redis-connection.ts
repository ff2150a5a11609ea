import {
  checkConnection as checkRedisConnection,
  createClient,
  type RedisConnection,
} from '@palisade/core/internal/redis';
import type { RedisOptions } from 'ioredis';

export type { RedisConnection } from '@palisade/core/internal/redis';

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

/** Throws `InvalidOptionError` (naming `path`) unless `connection` describes a Redis. */
export function checkConnection(connection: unknown, path = 'connection'): RedisConnection {
  return checkRedisConnection(connection, {
    path,
    keyPrefixRefusal: 'a link names its streams in a hash tag of their own',
  });
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
  return createClient(connection, overrides) as unknown as Connection;
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
