import type { Clock } from '@palisade/core';
import type { MessagingError } from './errors.js';
import { type Connection, isReplyError, readEntries, whenReady } from './redis-connection.js';
import { LinkConflictError, LinkFailedError, StreamGapError } from './redis-link-errors.js';
import { CLOSE_BYTE, DATA_BYTE, isField, sequenceOfId } from './redis-stream-entries.js';

/** Entries one XREAD takes. */
const READ_COUNT = 512;
/** How long one XREAD blocks; the reader simply asks again. */
const READ_BLOCK = 5_000;

/** How long the reader waits before asking again on a connection that failed. */
const RETRY_DELAY = 20;

/** What the reader needs from its transport. */
export interface StreamReaderOwner {
  readonly ended: boolean;
  /** A frame, in order. */
  deliver(frame: Uint8Array): void;
  /** The peer closed its end. */
  end(): void;
  /** Ends the link with `error`. */
  fail(error: MessagingError): void;
}

/**
 * Reads the peer's stream with a blocking XREAD, always from the entry after
 * the last one delivered, so it resumes where it stopped, in order, after a
 * lost connection. A hole in the ids (trimming, a Redis that lost writes)
 * ends the link with `StreamGapError`.
 */
export class StreamReader {
  readonly #connection: Connection;
  readonly #key: string;
  readonly #clock: Clock;
  readonly #owner: StreamReaderOwner;
  #lastRead = 0;
  #delivered = 0;

  constructor(connection: Connection, key: string, clock: Clock, owner: StreamReaderOwner) {
    this.#connection = connection;
    this.#key = key;
    this.#clock = clock;
    this.#owner = owner;
  }

  /** Frames read from the peer's stream and delivered. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Reads until the link ends. */
  async run(): Promise<void> {
    const reader = this.#connection;
    const owner = this.#owner;
    while (!owner.ended) {
      let reply: unknown;
      try {
        await whenReady(reader);
        if (owner.ended) return;
        reply = await reader.callBuffer(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK,
          'STREAMS',
          this.#key,
          `0-${this.#lastRead}`,
        );
      } catch (error) {
        if (owner.ended) return;
        if (isReplyError(error)) {
          owner.fail(new LinkFailedError(String((error as Error).message), { cause: error }));
          return;
        }
        // The connection went; ask again from the last frame delivered once it is back.
        await new Promise<void>((resolve) => this.#clock.setTimeout(() => resolve(), RETRY_DELAY));
        continue;
      }
      if (reply === null || owner.ended) continue;
      for (const [rawId, fields] of readEntries<Buffer>(reply)) {
        if (owner.ended) return;
        const expected = this.#lastRead + 1;
        const seq = sequenceOfId(rawId);
        if (Number.isNaN(seq)) {
          owner.fail(new LinkConflictError(expected));
          return;
        }
        if (seq !== expected) {
          owner.fail(new StreamGapError(expected, seq));
          return;
        }
        this.#lastRead = seq;
        const field = fields[0];
        if (isField(field, CLOSE_BYTE)) {
          owner.end();
          return;
        }
        const data = fields[1];
        if (!isField(field, DATA_BYTE) || data === undefined) {
          owner.fail(new LinkConflictError(seq));
          return;
        }
        this.#delivered++;
        owner.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    }
  }
}
