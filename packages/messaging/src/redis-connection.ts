import type { Cluster, Redis } from 'ioredis';

/** An ioredis client: a `Redis` or a `Cluster`. */
export type RedisClient = Redis | Cluster;

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

/**
 * A connection of the transport's own, made from the user's client: the
 * reader blocks on XREAD, and the writer must see every failure (no offline
 * queue, no silent resend) to resend in order itself.
 */
export function ownConnection(client: RedisClient, name: string, role: 'reader' | 'writer'): Connection {
  const overrides =
    role === 'writer'
      ? { connectionName: name, enableOfflineQueue: false, autoResendUnfulfilledCommands: false }
      : { connectionName: name };
  const cluster = (client as { isCluster?: boolean }).isCluster === true;
  const duplicate = client.duplicate as (...args: unknown[]) => unknown;
  const connection = (
    cluster ? duplicate.call(client, undefined, { redisOptions: overrides }) : duplicate.call(client, overrides)
  ) as Connection;
  // Connection errors also fail the commands, which is where they are handled; without a listener ioredis prints them.
  connection.on('error', () => {});
  return connection;
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
