import { type Clock, InvalidOptionError, realClock } from '@palisade/core';
import {
  durationOption,
  functionOption,
  integerOption,
  MAX_TIMER_DELAY as MAX_DELAY,
  optionsObject,
  positiveOrUnlimited,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import type { Cluster, Redis } from 'ioredis';

/** An ioredis client: a `Redis` or a `Cluster`. */
export type RedisClient = Redis | Cluster;

export interface QuorumOptions {
  /**
   * The shared circuit opens only when this many distinct processes (each
   * `RedisBreakerBackend` counts as one) have tripped within `window`. Below
   * it, a process that trips stays open on its own, so one process's bad view
   * does not open the circuit for all. 1 turns the quorum off: any process's
   * trip opens the shared circuit.
   * @default 1
   */
  readonly processes?: number;
  /**
   * How long a trip counts toward the quorum, in milliseconds.
   * @default 60_000
   */
  readonly window?: number;
}

export interface RedisBreakerBackendOptions {
  /**
   * The ioredis client (`Redis` or `Cluster`) to run commands on. The backend
   * also opens one connection of its own for pub/sub (`redis.duplicate()`).
   * The client stays yours: `close()` does not quit it.
   */
  readonly redis: RedisClient;
  /**
   * Prefix of every key and of the pub/sub channel. Backends share circuits
   * only when their prefixes match.
   * @default 'palisade:breaker:'
   */
  readonly prefix?: string;
  /**
   * The staleness bound, in milliseconds: while the backend counts itself
   * connected, a change made by another process reaches this one's mirror
   * within this time (normally within one pub/sub delivery). The
   * subscription is checked every `staleness / 2`; if it does not answer in
   * time, the backend stops trusting its mirror and runs every circuit on its
   * own until Redis answers again.
   * @default 1_000
   */
  readonly staleness?: number;
  /**
   * How long a Redis command may take before Redis counts as out of reach.
   * @default 1_000
   */
  readonly timeout?: number;
  /**
   * Every circuit is read again at this interval, in milliseconds, in case a
   * change was missed. Infinity turns it off; reconnects always re-read.
   * @default 30_000
   */
  readonly refreshInterval?: number;
  /**
   * How long a half-open probe slot is leased, in milliseconds. The prober
   * renews it every third of this while its call runs, so a slot whose
   * prober died goes back after at most this long.
   * @default 5_000
   */
  readonly probeLease?: number;
  /** Open the shared circuit only when enough distinct processes have tripped. @default { processes: 1, window: 60_000 } */
  readonly quorum?: QuorumOptions;
  /**
   * How long Redis keeps a circuit's keys after its last change, in
   * milliseconds (an open period is added on top). A circuit whose keys
   * expired reads as closed.
   * @default 86_400_000
   */
  readonly ttl?: number;
  /**
   * This process's name in the quorum and in probe leases. Unique per backend.
   * @default a random id
   */
  readonly id?: string;
  /**
   * Where local time comes from: the backend moves Redis's time onto it. The
   * breakers on its stores should use the same clock.
   * @default realClock
   */
  readonly clock?: Clock;
}

export interface ResolvedBackendOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly staleness: number;
  readonly timeout: number;
  readonly refreshInterval: number;
  readonly probeLease: number;
  readonly quorum: number;
  readonly quorumWindow: number;
  readonly ttl: number;
  readonly id: string;
  readonly clock: Clock;
}

const knownOptions = [
  'redis',
  'prefix',
  'staleness',
  'timeout',
  'refreshInterval',
  'probeLease',
  'quorum',
  'ttl',
  'id',
  'clock',
];

export function resolveBackendOptions(options: RedisBreakerBackendOptions): ResolvedBackendOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an options object with `redis`', options);
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, knownOptions);
  const {
    redis,
    prefix = 'palisade:breaker:',
    staleness = 1_000,
    timeout = 1_000,
    refreshInterval = 30_000,
    probeLease = 5_000,
    quorum,
    ttl = 86_400_000,
    id = randomId(),
    clock = realClock,
  } = given;
  checkRedis(redis);
  if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'a string', prefix);
  if (typeof id !== 'string' || id === '' || /\s/.test(id)) {
    throw new InvalidOptionError('id', 'a non-empty string without whitespace', id);
  }
  if (typeof clock !== 'object' || clock === null) throw new InvalidOptionError('clock', 'a Clock', clock);
  for (const method of ['now', 'setTimeout', 'clearTimeout'] as const) functionOption(`clock.${method}`, clock[method]);
  const quorumOptions = optionsObject('quorum', quorum);
  rejectUnknownOptions(quorumOptions, ['processes', 'window'], 'quorum.');
  const { processes = 1, window = 60_000 } = quorumOptions;
  return {
    redis,
    prefix,
    staleness: durationOption('staleness', staleness, { min: 10, max: MAX_DELAY }),
    timeout: durationOption('timeout', timeout, { min: 1, max: MAX_DELAY }),
    refreshInterval: durationOption('refreshInterval', refreshInterval, {
      ...positiveOrUnlimited,
      min: 100,
      minExclusive: false,
    }),
    probeLease: durationOption('probeLease', probeLease, { min: 30, max: MAX_DELAY }),
    quorum: integerOption('quorum.processes', processes, { min: 1, max: 1_000_000 }),
    quorumWindow: durationOption('quorum.window', window, { min: 1, max: MAX_DELAY }),
    ttl: durationOption('ttl', ttl, { min: 1_000, max: MAX_DELAY }),
    id,
    clock,
  };
}

function checkRedis(redis: unknown): asserts redis is RedisClient {
  const client = redis as Partial<Record<'call' | 'duplicate' | 'on', unknown>> | null;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.call !== 'function' ||
    typeof client.duplicate !== 'function' ||
    typeof client.on !== 'function'
  ) {
    throw new InvalidOptionError('redis', 'an ioredis client (new Redis(url) or new Cluster(nodes))', redis);
  }
}

function randomId(): string {
  return `${globalThis.crypto.randomUUID()}`;
}
