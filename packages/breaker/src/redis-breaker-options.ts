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
import { checkConnection, type RedisConnection } from './redis-connection.js';

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
   * Where Redis is: a `redis://` URL, ioredis options, or
   * `{ cluster: [{ host, port }, …] }` for a Redis Cluster. The backend opens
   * two connections from it: one for commands and one for pub/sub.
   */
  readonly connection: RedisConnection;
  /**
   * The first part of every key and of the pub/sub channel
   * (`<prefix>:breaker:{name}:state`). Backends share circuits only when
   * their prefixes match.
   * @default 'palisade'
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
   * How long a Redis command may take before Redis counts as out of reach
   * (then every circuit runs on its own; no call waits or fails for it).
   * @default 1_000
   */
  readonly commandTimeout?: number;
  /**
   * Every circuit is read again at this interval, in milliseconds, in case a
   * change was missed. Infinity turns it off; reconnects always re-read.
   * @default 30_000
   */
  readonly refreshInterval?: number;
  /**
   * How long a half-open probe slot is leased, in milliseconds. A prober that
   * dies gives its slot back when its lease runs out.
   * @default 5_000
   */
  readonly leaseDuration?: number;
  /**
   * How often a prober renews its lease while its call runs, in
   * milliseconds. Below `leaseDuration / 2`.
   * @default leaseDuration / 3
   */
  readonly heartbeatInterval?: number;
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
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly staleness: number;
  readonly commandTimeout: number;
  readonly refreshInterval: number;
  readonly leaseDuration: number;
  readonly heartbeatInterval: number;
  readonly quorum: number;
  readonly quorumWindow: number;
  readonly ttl: number;
  readonly id: string;
  readonly clock: Clock;
}

const knownOptions = [
  'connection',
  'prefix',
  'staleness',
  'commandTimeout',
  'refreshInterval',
  'leaseDuration',
  'heartbeatInterval',
  'quorum',
  'ttl',
  'id',
  'clock',
];

export function resolveBackendOptions(options: RedisBreakerBackendOptions): ResolvedBackendOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an options object with `connection`', options);
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, knownOptions);
  const {
    connection,
    prefix = 'palisade',
    staleness = 1_000,
    commandTimeout = 1_000,
    refreshInterval = 30_000,
    leaseDuration = 5_000,
    heartbeatInterval,
    quorum,
    ttl = 86_400_000,
    id = randomId(),
    clock = realClock,
  } = given;
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', 'a prefix of 1 to 64 letters, digits, _ or -', prefix);
  }
  if (typeof id !== 'string' || id === '' || /\s/.test(id)) {
    throw new InvalidOptionError('id', 'a non-empty string without whitespace', id);
  }
  if (typeof clock !== 'object' || clock === null) throw new InvalidOptionError('clock', 'a Clock', clock);
  for (const method of ['now', 'setTimeout', 'clearTimeout'] as const) functionOption(`clock.${method}`, clock[method]);
  const quorumOptions = optionsObject('quorum', quorum);
  rejectUnknownOptions(quorumOptions, ['processes', 'window'], 'quorum.');
  const { processes = 1, window = 60_000 } = quorumOptions;
  const lease = durationOption('leaseDuration', leaseDuration, { min: 30, max: MAX_DELAY });
  return {
    connection: checkConnection(connection),
    prefix,
    staleness: durationOption('staleness', staleness, { min: 10, max: MAX_DELAY }),
    commandTimeout: durationOption('commandTimeout', commandTimeout, { min: 1, max: MAX_DELAY }),
    refreshInterval: durationOption('refreshInterval', refreshInterval, {
      ...positiveOrUnlimited,
      min: 100,
      minExclusive: false,
    }),
    leaseDuration: lease,
    heartbeatInterval:
      heartbeatInterval === undefined
        ? lease / 3
        : durationOption('heartbeatInterval', heartbeatInterval, { min: 1, max: lease / 2, maxExclusive: true }),
    quorum: integerOption('quorum.processes', processes, { min: 1, max: 1_000_000 }),
    quorumWindow: durationOption('quorum.window', window, { min: 1, max: MAX_DELAY }),
    ttl: durationOption('ttl', ttl, { min: 1_000, max: MAX_DELAY }),
    id,
    clock,
  };
}

function randomId(): string {
  return `${globalThis.crypto.randomUUID()}`;
}
