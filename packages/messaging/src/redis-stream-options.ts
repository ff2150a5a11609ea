import { type Clock, InvalidOptionError, realClock } from '@palisade/core';
import { integerOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import type { LinkSide } from './memory-transport.js';
import { checkConnection, type RedisConnection } from './redis-connection.js';

export interface RedisStreamTransportOptions {
  /**
   * Where Redis is: a `redis://` URL, ioredis options, or
   * `{ cluster: [{ host, port }, …] }` for a Redis Cluster. The transport
   * opens two connections from it: a writer and a blocking reader.
   */
  readonly connection: RedisConnection;
  /** The link's id, the same at both ends. Use a fresh one per connection (`dialRedis` does). */
  readonly link: string;
  /** This end: `a` writes the link's `a` stream and reads `b`'s; `b` the reverse. */
  readonly side: LinkSide;
  /**
   * The first part of the link's keys (`<prefix>:messaging:link:{id}:a`).
   * @default 'palisade'
   */
  readonly prefix?: string;
  /**
   * Each stream keeps about this many frames (`XADD … MAXLEN ~`). A reader
   * that falls further behind finds a gap and the link closes with
   * `StreamGapError`.
   * @default 10_000
   */
  readonly maxLength?: number;
  /**
   * The link's keys expire this long after the last frame written, in
   * milliseconds, so abandoned links do not stay in Redis.
   * @default 3_600_000
   */
  readonly ttl?: number;
  /**
   * How long a call that waits on Redis waits, in milliseconds: `close()`
   * writing what is still queued, `dialRedis` announcing the link.
   * @default 5_000
   */
  readonly commandTimeout?: number;
  /**
   * Where time comes from: the keys' expiry, retries and the waits above.
   * @default realClock
   */
  readonly clock?: Clock;
}

/** The options with their defaults filled in, and the keys of the link's two streams. */
export interface ResolvedStreamOptions {
  readonly connection: RedisConnection;
  readonly link: string;
  readonly side: LinkSide;
  /** The stream this end writes. */
  readonly writeKey: string;
  /** The stream the peer writes, which this end reads. */
  readonly readKey: string;
  readonly maxLength: number;
  readonly ttl: number;
  readonly commandTimeout: number;
  readonly clock: Clock;
}

/** Checks `options` and fills in the defaults; throws `InvalidOptionError` on a bad or unknown one. */
export function resolveStreamOptions(options: RedisStreamTransportOptions): ResolvedStreamOptions {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ['connection', 'link', 'side', 'prefix', 'maxLength', 'ttl', 'commandTimeout', 'clock']);
  const {
    connection,
    link,
    side,
    prefix = 'palisade',
    maxLength = 10_000,
    ttl = 3_600_000,
    commandTimeout = 5_000,
    clock = realClock,
  } = given;
  const redis = checkConnection(connection);
  if (typeof link !== 'string' || link === '') throw new InvalidOptionError('link', 'a non-empty string', link);
  if (side !== 'a' && side !== 'b') throw new InvalidOptionError('side', '"a" or "b"', side);
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', 'a prefix of 1 to 64 letters, digits, _ or -', prefix);
  }
  const resolvedMaxLength = integerOption('maxLength', maxLength, { min: 1, max: 2 ** 31 - 1 });
  const resolvedTtl = integerOption('ttl', ttl, { min: 1_000, max: 2 ** 31 - 1 });
  const resolvedTimeout = integerOption('commandTimeout', commandTimeout, { min: 1, max: 2 ** 31 - 1 });
  const resolvedClock = checkClock(clock);
  const tag = `${prefix}:messaging:link:{${link}}`;
  return {
    connection: redis,
    link,
    side,
    writeKey: `${tag}:${side}`,
    readKey: `${tag}:${side === 'a' ? 'b' : 'a'}`,
    maxLength: resolvedMaxLength,
    ttl: resolvedTtl,
    commandTimeout: resolvedTimeout,
    clock: resolvedClock,
  };
}

function checkClock(clock: unknown): Clock {
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate !== 'object' || candidate === null) throw new InvalidOptionError('clock', 'a Clock', clock);
  for (const method of ['now', 'setTimeout', 'clearTimeout'] as const) {
    if (typeof candidate[method] !== 'function') {
      throw new InvalidOptionError(`clock.${method}`, 'a function', candidate[method]);
    }
  }
  return clock as Clock;
}
