import { randomUUID } from 'node:crypto';
import {
  type Clock,
  type Closable,
  cancellationError,
  type Event,
  InvalidArgumentError,
  InvalidOptionError,
  isAbortSignal,
  realClock,
  type TimerHandle,
} from '@palisade/core';
import { integerOption, optionsObject, rejectUnknownOptions, SafeEventEmitter } from '@palisade/core/internal';
import {
  type Connection,
  checkConnection,
  isReplyError,
  openConnection,
  type RedisConnection,
  readEntries,
  whenReady,
} from './redis-connection.js';
import { LinkUnavailableError } from './redis-link-errors.js';
import { RedisStreamTransport, type RedisStreamTransportOptions } from './redis-stream-transport.js';

/** Transport options a dialler or an inbox passes on to each link it makes. */
export type RedisLinkOptions = Pick<RedisStreamTransportOptions, 'maxLength' | 'ttl' | 'commandTimeout' | 'clock'>;

export interface RedisInboxOptions {
  /** Where Redis is, as for a transport; the inbox reads with a connection of its own, and each link opens its own. */
  readonly connection: RedisConnection;
  /** This node's id: dialers address it by this. */
  readonly node: string;
  /** The first part of the keys (`<prefix>:messaging:inbox:{node}`). @default 'palisade' */
  readonly prefix?: string;
  /** Options of the transports the inbox makes for incoming links. */
  readonly link?: RedisLinkOptions;
  /**
   * How long `ready` waits for the inbox to start listening before it
   * rejects with `LinkUnavailableError` (the inbox goes on trying).
   * @default 5_000
   */
  readonly commandTimeout?: number;
  /**
   * Where time comes from (the inbox's retries and `commandTimeout`).
   * @default realClock
   */
  readonly clock?: Clock;
}

export interface DialRedisOptions {
  /** Where Redis is, as for a transport. */
  readonly connection: RedisConnection;
  /** This node's id, as the listener will see it. Not authenticated: the handshake does that. */
  readonly from: string;
  /** The node to reach: the `node` of its `RedisInbox`. */
  readonly to: string;
  /** @default 'palisade' */
  readonly prefix?: string;
  /** Options of the link's transport. */
  readonly link?: RedisLinkOptions;
  /** Aborting it before the announcement is in Redis rejects with the cancellation error and closes the link. */
  readonly signal?: AbortSignal;
}

/** What `onLink` carries: a link someone dialled, and this end of it. */
export interface RedisLinkEvent {
  /** Who dialled, as they said: only the handshake (`accept`) tells who it really is. */
  readonly from: string;
  readonly link: string;
  readonly transport: RedisStreamTransport;
}

export interface RedisInboxStats {
  /** Links announced to this node and handed to `onLink`. */
  readonly links: number;
  /** Announcements seen again (a dialler's resend) and ignored. */
  readonly duplicates: number;
}

/** Link ids an inbox remembers, to ignore a repeated announcement. */
const REMEMBERED_LINKS = 10_000;

/**
 * A node's inbox on Redis: a stream where diallers announce new links.
 * `dialRedis` makes a fresh link, announces it here, and returns its end `a`;
 * the inbox makes end `b` and hands it to `onLink`, where `accept` runs the
 * handshake over it. The handshake itself, and every frame after it, go
 * over the link's own streams.
 */
export class RedisInbox implements Closable {
  readonly node: string;
  /**
   * Resolves once the inbox is listening (or closed): links announced before
   * then are not seen. Rejects with `LinkUnavailableError` if Redis has not
   * answered within `commandTimeout`; the inbox goes on trying.
   */
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #readyTimer: TimerHandle | undefined;
  readonly #links = new SafeEventEmitter<RedisLinkEvent>();
  readonly #errors = new SafeEventEmitter<Error>();
  /** A link someone dialled: run `accept(transport, …)` on it. */
  readonly onLink: Event<RedisLinkEvent> = this.#links.addListener;
  /** Redis refused to read the inbox (its key holds something else, say); the inbox tries again every second. */
  readonly onError: Event<Error> = this.#errors.addListener;
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #linkOptions: RedisLinkOptions;
  readonly #clock: Clock;
  readonly #key: string;
  readonly #reader: Connection;
  readonly #seen = new Set<string>();
  #closed = false;
  readonly #closing = Promise.resolve();
  #linksMade = 0;
  #duplicates = 0;

  constructor(options: RedisInboxOptions) {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, ['connection', 'node', 'prefix', 'link', 'commandTimeout', 'clock']);
    const { connection, node, prefix = 'palisade', link = {}, commandTimeout = 5_000, clock = realClock } = given;
    const redis = checkConnection(connection);
    if (typeof node !== 'string' || node === '') throw new InvalidOptionError('node', 'a non-empty string', node);
    checkPrefix(prefix);
    const readyWait = integerOption('commandTimeout', commandTimeout, { min: 1, max: 2 ** 31 - 1 });
    this.node = node;
    this.#connection = redis;
    this.#prefix = prefix;
    this.#linkOptions = checkLinkOptions(link);
    if (typeof (clock as Partial<Clock> | null)?.setTimeout !== 'function') {
      throw new InvalidOptionError('clock', 'a Clock', clock);
    }
    this.#clock = clock;
    this.#key = inboxKey(prefix, node);
    this.#reader = openConnection(redis, `${this.#key}:reader`, 'reader');
    this.ready = new Promise((resolve, reject) => {
      this.#readyTimer = clock.setTimeout(
        () => reject(new LinkUnavailableError(readyWait, 'the inbox is not listening yet')),
        readyWait,
      );
      this.#resolveReady = () => {
        if (this.#readyTimer !== undefined) clock.clearTimeout(this.#readyTimer);
        resolve();
      };
    });
    // Reported to whoever awaits it; never an unhandled rejection.
    this.ready.catch(() => {});
    void this.#listen();
  }

  stats(): RedisInboxStats {
    return { links: this.#linksMade, duplicates: this.#duplicates };
  }

  /** Stops listening. Links already handed out stay open. Idempotent: the same promise every time. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#resolveReady();
      this.#reader.disconnect();
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #listen(): Promise<void> {
    const reader = this.#reader;
    let last: string | undefined;
    while (!this.#closed) {
      try {
        await whenReady(reader);
        if (this.#closed) return;
        if (last === undefined) {
          // Announcements from before the inbox opened were for a listener that is gone (their dialers
          // time out and dial again): start after them.
          const top = (await reader.call('XREVRANGE', this.#key, '+', '-', 'COUNT', 1)) as [string][];
          last = top[0]?.[0] ?? '0-0';
          this.#resolveReady();
        }
        const reply = await reader.call('XREAD', 'COUNT', 100, 'BLOCK', 5_000, 'STREAMS', this.#key, last);
        for (const [id, fields] of readEntries<string>(reply)) {
          last = id;
          this.#announced(fields);
        }
      } catch (error) {
        if (this.#closed) return;
        if (isReplyError(error)) this.#errors.emit(error as Error);
        await new Promise<void>((resolve) => this.#clock.setTimeout(() => resolve(), isReplyError(error) ? 1_000 : 20));
      }
    }
  }

  #announced(fields: readonly string[]): void {
    const entry = new Map<string, string>();
    for (let index = 0; index + 1 < fields.length; index += 2)
      entry.set(fields[index] as string, fields[index + 1] as string);
    const from = entry.get('from');
    const link = entry.get('link');
    if (from === undefined || link === undefined || this.#closed) return;
    if (this.#seen.has(link)) {
      this.#duplicates++;
      return;
    }
    this.#seen.add(link);
    if (this.#seen.size > REMEMBERED_LINKS) this.#seen.delete(this.#seen.values().next().value as string);
    this.#linksMade++;
    const transport = new RedisStreamTransport({
      ...this.#linkOptions,
      connection: this.#connection,
      link,
      side: 'b',
      prefix: this.#prefix,
    });
    this.#links.emit({ from, link, transport });
  }
}

/**
 * Opens a fresh link to node `to` and announces it in `to`'s inbox; resolves
 * with this end (`a`) once the announcement is in Redis. Then
 * `connect(transport, { peer: to, … })`.
 */
export async function dialRedis(options: DialRedisOptions): Promise<RedisStreamTransport> {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ['connection', 'from', 'to', 'prefix', 'link', 'signal']);
  const { connection, from, to, prefix = 'palisade', link = {}, signal } = given;
  if (signal !== undefined && !isAbortSignal(signal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  if (signal?.aborted) throw cancellationError(signal);
  if (typeof from !== 'string' || from === '') throw new InvalidArgumentError('from', 'a non-empty string', from);
  if (typeof to !== 'string' || to === '') throw new InvalidArgumentError('to', 'a non-empty string', to);
  checkPrefix(prefix);
  const linkOptions = checkLinkOptions(link);
  const id = randomUUID();
  const transport = new RedisStreamTransport({ ...linkOptions, connection, link: id, side: 'a', prefix });
  try {
    await transport.announce(inboxKey(prefix, to), ['from', from, 'link', id], signal);
  } catch (error) {
    await transport.close();
    throw error;
  }
  return transport;
}

function checkPrefix(prefix: unknown): void {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', 'a prefix of 1 to 64 letters, digits, _ or -', prefix);
  }
}

function inboxKey(prefix: string, node: string): string {
  return `${prefix}:messaging:inbox:{${node}}`;
}

/** Checked here, where the caller is, rather than when a link arrives. */
function checkLinkOptions(link: RedisLinkOptions): RedisLinkOptions {
  const given = optionsObject('link', link);
  rejectUnknownOptions(given, ['maxLength', 'ttl', 'commandTimeout', 'clock'], 'link.');
  const { maxLength, ttl, commandTimeout } = given;
  if (maxLength !== undefined) integerOption('link.maxLength', maxLength, { min: 1, max: 2 ** 31 - 1 });
  if (ttl !== undefined) integerOption('link.ttl', ttl, { min: 1_000, max: 2 ** 31 - 1 });
  if (commandTimeout !== undefined) {
    integerOption('link.commandTimeout', commandTimeout, { min: 1, max: 2 ** 31 - 1 });
  }
  return given;
}
