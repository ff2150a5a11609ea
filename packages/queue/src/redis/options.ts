import { InvalidOptionError } from '@palisade/core';
import {
  durationOption,
  integerOption,
  MAX_TIMER_DELAY,
  optionsObject,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import { checkConnection, type RedisConnection } from './connection.js';

/** Options of `redisEngine()`. Durations are in ms. */
export interface RedisEngineOptions {
  /** Where Redis is: a `redis://` URL, ioredis options, or `{ cluster: [{ host, port }, …] }` for a Redis Cluster. */
  readonly connection: RedisConnection;
  /** The first part of every key (BullMQ's `prefix`). @default 'palisade' */
  readonly prefix?: string;
  /**
   * How long a worker's lock on a running job lasts without renewal
   * (BullMQ's `lockDuration`; renewed every half of it). A handler that
   * blocks the event loop longer than this is run a second time elsewhere:
   * use the fencing token. At most `leaseDuration`.
   * @default 5000
   */
  readonly lockDuration?: number;
  /**
   * How long a worker process's shard leases and membership last without a
   * heartbeat. A dead process's shards are taken over after about this long.
   * @default 5000
   */
  readonly leaseDuration?: number;
  /** How often each process renews its membership and leases, reads the ring and rebalances shards. Below leaseDuration / 2. @default 500 */
  readonly heartbeatInterval?: number;
  /** How often a shard's owner looks for stalled jobs (BullMQ's `stalledInterval`). @default 1000 */
  readonly stalledInterval?: number;
  /** How long an `add` (or another call) waits for Redis before it rejects with `QueueUnavailableError`. @default 5000 */
  readonly commandTimeout?: number;
  /** Redeliveries after which a job that keeps killing its worker fails for good (BullMQ's `maxStalledCount`). @default 10 */
  readonly maxRedeliveries?: number;
}

export interface ResolvedRedisOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly lockDuration: number;
  readonly leaseDuration: number;
  readonly heartbeatInterval: number;
  readonly stalledInterval: number;
  readonly commandTimeout: number;
  readonly maxRedeliveries: number;
}

const MAX_DURATION = MAX_TIMER_DELAY;

export function resolveRedisOptions(options: RedisEngineOptions): ResolvedRedisOptions {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, [
    'connection',
    'prefix',
    'lockDuration',
    'leaseDuration',
    'heartbeatInterval',
    'stalledInterval',
    'commandTimeout',
    'maxRedeliveries',
  ]);
  const connection = checkConnection(given.connection);
  const prefix = given.prefix ?? 'palisade';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', 'a prefix of 1 to 64 letters, digits, _ or -', prefix);
  }
  const leaseDuration = durationOption('leaseDuration', given.leaseDuration ?? 5000, { min: 200, max: MAX_DURATION });
  const lockDuration = durationOption('lockDuration', given.lockDuration ?? 5000, { min: 100, max: leaseDuration });
  const heartbeatInterval = durationOption('heartbeatInterval', given.heartbeatInterval ?? 500, {
    min: 10,
    max: leaseDuration / 2,
    maxExclusive: true,
  });
  return {
    connection,
    prefix,
    lockDuration,
    leaseDuration,
    heartbeatInterval,
    stalledInterval: durationOption('stalledInterval', given.stalledInterval ?? 1000, { min: 50, max: MAX_DURATION }),
    commandTimeout: durationOption('commandTimeout', given.commandTimeout ?? 5000, { min: 10, max: MAX_DURATION }),
    maxRedeliveries: integerOption('maxRedeliveries', given.maxRedeliveries ?? 10, { min: 0, max: 1_000_000 }),
  };
}
