import { type Clock, type Closable, cancellationError, type Event, onAbort, type TimerHandle } from '@palisade/core';
import { SafeEventEmitter } from '@palisade/core/internal';
import type { MessagingError } from './errors.js';
import type { LinkSide } from './memory-transport.js';
import { type Connection, openConnection, whenReady } from './redis-connection.js';
import { LinkUnavailableError } from './redis-link-errors.js';
import { type RedisStreamTransportOptions, resolveStreamOptions } from './redis-stream-options.js';
import { StreamReader } from './redis-stream-reader.js';
import { StreamWriter } from './redis-stream-writer.js';
import type { Transport } from './transport.js';

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

/** Announcements an inbox keeps. */
const ANNOUNCEMENTS_KEPT = 10_000;

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

  readonly #commandTimeout: number;
  readonly #clock: Clock;
  readonly #writerConnection: Connection;
  readonly #readerConnection: Connection;
  readonly #writer: StreamWriter;
  readonly #reader: StreamReader;
  #closing: Promise<void> | undefined;
  #ended = false;
  #reconnects = 0;

  constructor(options: RedisStreamTransportOptions) {
    const resolved = resolveStreamOptions(options);
    this.#commandTimeout = resolved.commandTimeout;
    this.#clock = resolved.clock;
    this.link = resolved.link;
    this.side = resolved.side;
    const { writeKey, readKey } = resolved;
    this.#writerConnection = openConnection(resolved.connection, `${writeKey}:writer`, 'writer');
    this.#readerConnection = openConnection(resolved.connection, `${writeKey}:reader`, 'reader');
    const transport = this;
    const owner = {
      get ended() {
        return transport.#ended;
      },
      fail: (error: MessagingError) => this.#fail(error),
    };
    this.#writer = new StreamWriter(
      this.#writerConnection,
      { key: writeKey, maxLength: resolved.maxLength, ttl: resolved.ttl, clock: resolved.clock },
      owner,
    );
    this.#reader = new StreamReader(this.#readerConnection, readKey, resolved.clock, {
      get ended() {
        return transport.#ended;
      },
      fail: owner.fail,
      end: () => this.#end(),
      deliver: (frame) => this.#received.emit(frame),
    });
    this.#writerConnection.on('ready', () => void this.#writer.start());
    // Every lost connection, whoever noticed it; ours are closed only once the link has ended.
    const lost = (): void => {
      if (!this.#ended) this.#reconnects++;
    };
    this.#writerConnection.on('close', lost);
    this.#readerConnection.on('close', lost);
    void this.#writer.start();
    void this.#reader.run();
  }

  /** Queues one frame; frames are written in order, and each exactly once. Ignored once the link is closing. */
  send(bytes: Uint8Array): void {
    if (this.#closing !== undefined || this.#ended) return;
    this.#writer.send(bytes);
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
    const writer = this.#writerConnection;
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
      sent: this.#writer.sent,
      received: this.#reader.delivered,
      pending: this.#writer.pending,
      resent: this.#writer.resent,
      reconnects: this.#reconnects,
    };
  }

  async #closeGracefully(): Promise<void> {
    if (this.#ended) return;
    if (this.#writer.pending > 0) await this.#writer.drain(this.#commandTimeout);
    const marker = this.#ended ? undefined : this.#writer.writeCloseMarker();
    if (marker !== undefined) {
      await Promise.race([
        marker,
        new Promise<void>((resolve) => this.#clock.setTimeout(() => resolve(), this.#commandTimeout)),
      ]);
    }
    this.#end();
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
    this.#writer.clear();
    this.#readerConnection.disconnect();
    this.#writerConnection.disconnect();
    this.#closed.emit();
  }
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
