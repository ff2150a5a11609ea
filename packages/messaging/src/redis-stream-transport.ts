import {
  type Clock,
  type Closable,
  cancellationError,
  type Event,
  InvalidOptionError,
  onAbort,
  realClock,
  type TimerHandle,
} from '@palisade/core';
import { integerOption, optionsObject, rejectUnknownOptions, SafeEventEmitter } from '@palisade/core/internal';
import type { MessagingError } from './errors.js';
import type { LinkSide } from './memory-transport.js';
import {
  type Connection,
  checkConnection,
  isReplyError,
  openConnection,
  type RedisConnection,
  readEntries,
  whenReady,
} from './redis-connection.js';
import { LinkConflictError, LinkFailedError, LinkUnavailableError, StreamGapError } from './redis-link-errors.js';
import type { Transport } from './transport.js';

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

/** A snapshot of a transport's counters. The totals never decrease. */
export interface RedisStreamTransportStats {
  /** Frames written to Redis and confirmed. */
  readonly sent: number;
  /** Frames read from the peer's stream and delivered. */
  readonly received: number;
  /** Frames given to `send` and not yet confirmed by Redis. */
  readonly pending: number;
  /** XADDs sent again after a lost connection (each is written at most once: its id is fixed). */
  readonly resent: number;
  /** Connections (the writer's or the reader's) lost and made again; each picked up where it stopped. */
  readonly reconnects: number;
}

/** XADDs in flight at once; the rest wait in order. */
const WRITE_WINDOW = 512;
/** Entries one XREAD takes. */
const READ_COUNT = 512;
/** How long one XREAD blocks; the reader simply asks again. */
const READ_BLOCK = 5_000;

/** How long the reader and writer wait before trying a connection that failed and still says 'ready'. */
const RETRY_DELAY = 20;

/** Announcements an inbox keeps. */
const ANNOUNCEMENTS_KEPT = 10_000;

const DATA_FIELD = 'd';
const CLOSE_FIELD = 'c';

interface OutgoingFrame {
  /** 0 until first sent; then fixed, so a resend lands on the same id. */
  seq: number;
  readonly data: Buffer;
  state: 'queued' | 'sent' | 'confirmed';
}

/**
 * One end of a link over Redis Streams: a `Transport` for `connect` and
 * `accept`. Each direction is a stream under the link's hash tag; frames get
 * explicit ids `0-1`, `0-2`…, so an XADD sent again after a reconnect either
 * lands on its own id or is refused as a duplicate, never written twice. The
 * reader asks for the entries after the last one it delivered, so it resumes
 * where it stopped, in order. A hole in the ids (trimming, a Redis that lost
 * writes) closes the link with `StreamGapError`; it never leaves a stream
 * channel waiting for a frame that will not come.
 */
export class RedisStreamTransport implements Transport, Closable {
  readonly link: string;
  readonly side: LinkSide;
  /** The typed error the link closed with, if it closed on one. */
  error: MessagingError | undefined;

  readonly #received = new SafeEventEmitter<Uint8Array>();
  readonly #closed = new SafeEventEmitter<void>();
  readonly #errors = new SafeEventEmitter<Error>();
  readonly onReceive: Event<Uint8Array> = this.#received.addListener;
  readonly onClose: Event<void> = this.#closed.addListener;
  readonly onError: Event<Error> = this.#errors.addListener;

  readonly #writeKey: string;
  readonly #readKey: string;
  readonly #maxLength: number;
  readonly #ttl: number;
  readonly #commandTimeout: number;
  readonly #clock: Clock;
  readonly #writer: Connection;
  readonly #reader: Connection;
  /** Frames from `#head` on are not confirmed yet; the array is compacted now and then. */
  #outgoing: OutgoingFrame[] = [];
  #head = 0;
  /** Index in `#outgoing` of the next frame to send. */
  #nextToSend = 0;
  /** Counts writer (re)starts: a reply from before the latest one is about frames since sent again. */
  #generation = 0;
  #inFlight = 0;
  #nextSeq = 0;
  #writerReady = false;
  #lastRead = 0;
  #expiresRefreshedAt = Number.NEGATIVE_INFINITY;
  #closing: Promise<void> | undefined;
  #ended = false;
  #flushed: (() => void) | undefined;
  #sent = 0;
  #delivered = 0;
  #resent = 0;
  #reconnects = 0;

  constructor(options: RedisStreamTransportOptions) {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, [
      'connection',
      'link',
      'side',
      'prefix',
      'maxLength',
      'ttl',
      'commandTimeout',
      'clock',
    ]);
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
    this.#maxLength = integerOption('maxLength', maxLength, { min: 1, max: 2 ** 31 - 1 });
    this.#ttl = integerOption('ttl', ttl, { min: 1_000, max: 2 ** 31 - 1 });
    this.#commandTimeout = integerOption('commandTimeout', commandTimeout, { min: 1, max: 2 ** 31 - 1 });
    this.#clock = checkClock(clock);
    this.link = link;
    this.side = side;
    const tag = `${prefix}:messaging:link:{${link}}`;
    this.#writeKey = `${tag}:${side}`;
    this.#readKey = `${tag}:${side === 'a' ? 'b' : 'a'}`;
    this.#writer = openConnection(redis, `${this.#writeKey}:writer`, 'writer');
    this.#reader = openConnection(redis, `${this.#writeKey}:reader`, 'reader');
    this.#writer.on('ready', () => void this.#startWriting());
    // Every lost connection, whoever noticed it; ours are closed only once the link has ended.
    const lost = (): void => {
      if (!this.#ended) this.#reconnects++;
    };
    this.#writer.on('close', lost);
    this.#reader.on('close', lost);
    void this.#startWriting();
    void this.#read();
  }

  /** Queues one frame; frames are written in order, and each exactly once. Ignored once the link is closing. */
  send(bytes: Uint8Array): void {
    if (this.#closing !== undefined || this.#ended) return;
    this.#outgoing.push({ seq: 0, data: Buffer.from(bytes), state: 'queued' });
    this.#pump();
  }

  /**
   * Writes what is still queued (for up to `commandTimeout`), then a close marker
   * that ends the peer's link too, and lets go of both connections.
   * Idempotent; `onClose` fires once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeGracefully();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * @internal For `dialRedis`: XADDs `fields` to `key` on the writer's
   * connection once it is up; rejects with `LinkUnavailableError` after
   * `commandTimeout`.
   */
  async announce(key: string, fields: readonly string[], signal?: AbortSignal): Promise<void> {
    const writer = this.#writer;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () => reject(new LinkUnavailableError(this.#commandTimeout, 'the link could not be announced')),
        this.#commandTimeout,
      );
    });
    const announced = (async () => {
      await whenReady(writer);
      await writer.call('XADD', key, 'MAXLEN', '~', ANNOUNCEMENTS_KEPT, '*', ...fields);
    })();
    try {
      await Promise.race([announced, timedOut, ...(signal === undefined ? [] : [aborted(signal)])]);
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      announced.catch(() => {});
    }
  }

  stats(): RedisStreamTransportStats {
    return {
      sent: this.#sent,
      received: this.#delivered,
      pending: this.#outgoing.length - this.#head,
      resent: this.#resent,
      reconnects: this.#reconnects,
    };
  }

  // --- writing ----------------------------------------------------------------------

  /** On every (re)connection: learn where this side's stream stands, then send everything unconfirmed, in order. */
  async #startWriting(): Promise<void> {
    if (this.#ended || this.#writer.status !== 'ready') return;
    this.#writerReady = false;
    try {
      if (this.#nextSeq === 0) {
        // A link id reused by a new transport continues after what is there, rather than collide with it.
        const top = (await this.#writer.call('XREVRANGE', this.#writeKey, '+', '-', 'COUNT', 1)) as [string][];
        this.#nextSeq = top.length === 0 ? 1 : sequenceOf(top[0]?.[0] ?? '') + 1;
      }
    } catch (error) {
      if (isReplyError(error)) this.#fail(new LinkFailedError(String((error as Error).message), { cause: error }));
      return; // the connection went: 'ready' starts over
    }
    if (this.#ended || this.#writer.status !== 'ready') return;
    // Anything sent and not confirmed goes again, in order, from the first such frame.
    this.#generation++;
    for (let index = this.#head; index < this.#outgoing.length; index++) {
      const frame = this.#outgoing[index] as OutgoingFrame;
      if (frame.state === 'sent') {
        frame.state = 'queued';
        this.#resent++;
      }
    }
    this.#nextToSend = this.#head;
    this.#inFlight = 0;
    this.#writerReady = true;
    this.#pump();
  }

  #pump(): void {
    if (!this.#writerReady || this.#ended) return;
    while (this.#inFlight < WRITE_WINDOW && this.#nextToSend < this.#outgoing.length) {
      const frame = this.#outgoing[this.#nextToSend++] as OutgoingFrame;
      if (frame.state !== 'queued') continue;
      if (frame.seq === 0) {
        frame.seq = this.#nextSeq++;
        // The clock is read every 1,024 frames, not per frame.
        if ((frame.seq & 1_023) === 1) this.#refreshExpiry();
      }
      frame.state = 'sent';
      this.#inFlight++;
      this.#write(frame);
    }
  }

  #write(frame: OutgoingFrame): void {
    const generation = this.#generation;
    this.#writer
      .call('XADD', this.#writeKey, 'MAXLEN', '~', this.#maxLength, `0-${frame.seq}`, DATA_FIELD, frame.data)
      .then(
        () => {
          if (generation === this.#generation) this.#confirm(frame);
        },
        (error: unknown) => {
          if (generation !== this.#generation || frame.state !== 'sent') return;
          if (isReplyError(error) && /equal or smaller/.test(String((error as Error).message))) {
            // Its id is taken: most likely by this very frame, written before the connection dropped.
            void this.#checkWritten(frame, generation);
          } else if (isReplyError(error)) {
            this.#fail(new LinkFailedError(String((error as Error).message), { cause: error }));
          } else {
            this.#lostWriter();
          }
        },
      );
  }

  async #checkWritten(frame: OutgoingFrame, generation: number): Promise<void> {
    let entries: [string, unknown[]][];
    try {
      const id = `0-${frame.seq}`;
      entries = (await this.#writer.callBuffer('XRANGE', this.#writeKey, id, id)) as [string, unknown[]][];
    } catch (error) {
      if (generation !== this.#generation) return;
      if (isReplyError(error)) this.#fail(new LinkFailedError(String((error as Error).message), { cause: error }));
      else this.#lostWriter();
      return;
    }
    if (generation !== this.#generation) return;
    const fields = entries[0]?.[1];
    if (fields !== undefined && !(fields[0]?.toString() === DATA_FIELD && frame.data.equals(fields[1] as Buffer))) {
      this.#fail(new LinkConflictError(frame.seq));
      return;
    }
    // Written before (or trimmed since, which only happens to frames written before).
    this.#confirm(frame);
  }

  #confirm(frame: OutgoingFrame): void {
    if (frame.state !== 'sent') return;
    frame.state = 'confirmed';
    this.#inFlight--;
    this.#sent++;
    const outgoing = this.#outgoing;
    while (this.#head < outgoing.length && (outgoing[this.#head] as OutgoingFrame).state === 'confirmed') this.#head++;
    if (this.#head === outgoing.length) {
      this.#outgoing = [];
      this.#nextToSend -= this.#head;
      this.#head = 0;
      this.#flushed?.();
    } else if (this.#head >= 1_024 && this.#head * 2 >= outgoing.length) {
      this.#outgoing = outgoing.slice(this.#head);
      this.#nextToSend -= this.#head;
      this.#head = 0;
    }
    this.#pump();
  }

  #lostWriter(): void {
    if (!this.#writerReady) return;
    this.#writerReady = false;
    // ioredis reconnects on its own, and its 'ready' resends from the first unconfirmed frame. A
    // connection that still says 'ready' is either closing (then 'ready' comes later) or fine: look again shortly.
    this.#clock.setTimeout(() => {
      if (!this.#writerReady && this.#writer.status === 'ready') void this.#startWriting();
    }, RETRY_DELAY);
  }

  #refreshExpiry(): void {
    const now = this.#clock.now();
    if (now - this.#expiresRefreshedAt < this.#ttl / 4) return;
    this.#expiresRefreshedAt = now;
    this.#writer.call('PEXPIRE', this.#writeKey, this.#ttl).catch(() => {});
  }

  // --- reading ----------------------------------------------------------------------

  async #read(): Promise<void> {
    const reader = this.#reader;
    while (!this.#ended) {
      let reply: unknown;
      try {
        await whenReady(reader);
        if (this.#ended) return;
        reply = await reader.callBuffer(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK,
          'STREAMS',
          this.#readKey,
          `0-${this.#lastRead}`,
        );
      } catch (error) {
        if (this.#ended) return;
        if (isReplyError(error)) {
          this.#fail(new LinkFailedError(String((error as Error).message), { cause: error }));
          return;
        }
        // The connection went; ask again from the last frame delivered once it is back.
        await this.#sleep(RETRY_DELAY);
        continue;
      }
      if (reply === null || this.#ended) continue;
      for (const [rawId, fields] of readEntries<Buffer>(reply)) {
        if (this.#ended) return;
        const expected = this.#lastRead + 1;
        const seq = sequenceOfId(rawId);
        if (Number.isNaN(seq)) {
          this.#fail(new LinkConflictError(expected));
          return;
        }
        if (seq !== expected) {
          this.#fail(new StreamGapError(expected, seq));
          return;
        }
        this.#lastRead = seq;
        const field = fields[0];
        if (isField(field, CLOSE_BYTE)) {
          this.#end();
          return;
        }
        const data = fields[1];
        if (!isField(field, DATA_BYTE) || data === undefined) {
          this.#fail(new LinkConflictError(seq));
          return;
        }
        this.#delivered++;
        this.#received.emit(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    }
  }

  // --- closing ----------------------------------------------------------------------

  async #closeGracefully(): Promise<void> {
    if (this.#ended) return;
    if (this.#outgoing.length > this.#head) {
      await new Promise<void>((resolve) => {
        const timer = this.#clock.setTimeout(resolve, this.#commandTimeout);
        this.#flushed = () => {
          this.#clock.clearTimeout(timer);
          resolve();
        };
      });
    }
    if (!this.#ended && this.#writerReady && this.#nextSeq > 0) {
      // The peer's reader ends its link here; its channel then knows whether the stream was complete.
      const marker = this.#writer
        .call('XADD', this.#writeKey, `0-${this.#nextSeq++}`, CLOSE_FIELD, '1')
        .then(() => this.#writer.call('PEXPIRE', this.#writeKey, this.#ttl))
        .catch(() => {});
      await Promise.race([marker, this.#sleep(this.#commandTimeout)]);
    }
    this.#end();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimeout(() => resolve(), ms));
  }

  #fail(error: MessagingError): void {
    if (this.#ended) return;
    this.error = error;
    this.#errors.emit(error);
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#outgoing = [];
    this.#head = 0;
    this.#flushed?.();
    this.#reader.disconnect();
    this.#writer.disconnect();
    this.#closed.emit();
  }
}

function sequenceOf(id: string): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

const ZERO = 0x30;
const DASH = 0x2d;
const DATA_BYTE = DATA_FIELD.charCodeAt(0);
const CLOSE_BYTE = CLOSE_FIELD.charCodeAt(0);

/** The n of an entry id `0-n`, read from its bytes; NaN for any other id (one this transport never writes). */
function sequenceOfId(id: Buffer): number {
  if (id.length < 3 || id.length > 18 || id[0] !== ZERO || id[1] !== DASH) return Number.NaN;
  let seq = 0;
  for (let index = 2; index < id.length; index++) {
    const digit = (id[index] as number) - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    seq = seq * 10 + digit;
  }
  return seq;
}

/** Whether an entry's field name is the one-letter name `letter`. */
function isField(field: Buffer | undefined, letter: number): boolean {
  return field !== undefined && field.length === 1 && field[0] === letter;
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

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(cancellationError(signal));
    else onAbort(signal, () => reject(cancellationError(signal)));
  });
}

/** One end of a link over Redis Streams; see `RedisStreamTransport`. */
export function redisStreamTransport(options: RedisStreamTransportOptions): RedisStreamTransport {
  return new RedisStreamTransport(options);
}
