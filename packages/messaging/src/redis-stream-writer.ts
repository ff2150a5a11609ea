import type { Clock } from '@palisade/core';
import type { MessagingError } from './errors.js';
import { type Connection, isReplyError } from './redis-connection.js';
import { LinkConflictError, LinkFailedError } from './redis-link-errors.js';
import { CLOSE_FIELD, DATA_FIELD, sequenceOf } from './redis-stream-entries.js';

/** XADDs in flight at once; the rest wait in order. */
const WRITE_WINDOW = 512;

/** How long the writer waits before trying a connection that failed and still says 'ready'. */
const RETRY_DELAY = 20;

interface OutgoingFrame {
  /** 0 until first sent; then fixed, so a resend lands on the same id. */
  seq: number;
  readonly data: Buffer;
  state: 'queued' | 'sent' | 'confirmed';
}

/** What the writer needs from its transport. */
export interface StreamWriterOwner {
  readonly ended: boolean;
  /** Ends the link with `error`. */
  fail(error: MessagingError): void;
}

export interface StreamWriterOptions {
  readonly key: string;
  readonly maxLength: number;
  readonly ttl: number;
  readonly clock: Clock;
}

/**
 * Writes one end's stream: frames in order, each exactly once. Each frame
 * gets its id (`0-n`) when first sent; on every (re)connection the writer
 * learns where the stream stands and sends everything unconfirmed again, in
 * order, so a resent XADD either lands on its own id or is refused as a
 * duplicate (then checked against what is there).
 */
export class StreamWriter {
  readonly #connection: Connection;
  readonly #key: string;
  readonly #maxLength: number;
  readonly #ttl: number;
  readonly #clock: Clock;
  readonly #owner: StreamWriterOwner;
  /** Frames from `#head` on are not confirmed yet; the array is compacted now and then. */
  #outgoing: OutgoingFrame[] = [];
  #head = 0;
  /** Index in `#outgoing` of the next frame to send. */
  #nextToSend = 0;
  /** Counts writer (re)starts: a reply from before the latest one is about frames since sent again. */
  #generation = 0;
  #inFlight = 0;
  #nextSeq = 0;
  #ready = false;
  #expiresRefreshedAt = Number.NEGATIVE_INFINITY;
  #flushed: (() => void) | undefined;
  #sent = 0;
  #resent = 0;

  constructor(connection: Connection, options: StreamWriterOptions, owner: StreamWriterOwner) {
    this.#connection = connection;
    this.#key = options.key;
    this.#maxLength = options.maxLength;
    this.#ttl = options.ttl;
    this.#clock = options.clock;
    this.#owner = owner;
  }

  /** Frames written to Redis and confirmed. */
  get sent(): number {
    return this.#sent;
  }

  /** Frames given to `send` and not yet confirmed by Redis. */
  get pending(): number {
    return this.#outgoing.length - this.#head;
  }

  /** XADDs sent again after a lost connection. */
  get resent(): number {
    return this.#resent;
  }

  send(bytes: Uint8Array): void {
    this.#outgoing.push({ seq: 0, data: Buffer.from(bytes), state: 'queued' });
    this.#pump();
  }

  /** On every (re)connection: learn where this side's stream stands, then send everything unconfirmed, in order. */
  async start(): Promise<void> {
    const writer = this.#connection;
    if (this.#owner.ended || writer.status !== 'ready') return;
    this.#ready = false;
    try {
      if (this.#nextSeq === 0) {
        // A link id reused by a new transport continues after what is there, rather than collide with it.
        const top = (await writer.call('XREVRANGE', this.#key, '+', '-', 'COUNT', 1)) as [string][];
        this.#nextSeq = top.length === 0 ? 1 : sequenceOf(top[0]?.[0] ?? '') + 1;
      }
    } catch (error) {
      if (isReplyError(error))
        this.#owner.fail(new LinkFailedError(String((error as Error).message), { cause: error }));
      return; // the connection went: 'ready' starts over
    }
    if (this.#owner.ended || writer.status !== 'ready') return;
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
    this.#ready = true;
    this.#pump();
  }

  /** Resolves once every frame is confirmed, or after `timeout` ms. */
  drain(timeout: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(resolve, timeout);
      this.#flushed = () => {
        this.#clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Writes the close marker after the last frame, if the writer is up and
   * has written; the peer's reader ends its link there, and its channel then
   * knows whether the stream was complete. Never rejects.
   */
  writeCloseMarker(): Promise<unknown> | undefined {
    if (!this.#ready || this.#nextSeq === 0) return undefined;
    const writer = this.#connection;
    return writer
      .call('XADD', this.#key, `0-${this.#nextSeq++}`, CLOSE_FIELD, '1')
      .then(() => writer.call('PEXPIRE', this.#key, this.#ttl))
      .catch(() => {});
  }

  /** Drops every frame not yet written: the link has ended. */
  clear(): void {
    this.#outgoing = [];
    this.#head = 0;
    this.#flushed?.();
  }

  #pump(): void {
    if (!this.#ready || this.#owner.ended) return;
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
    this.#connection
      .call('XADD', this.#key, 'MAXLEN', '~', this.#maxLength, `0-${frame.seq}`, DATA_FIELD, frame.data)
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
            this.#owner.fail(new LinkFailedError(String((error as Error).message), { cause: error }));
          } else {
            this.#lost();
          }
        },
      );
  }

  async #checkWritten(frame: OutgoingFrame, generation: number): Promise<void> {
    let entries: [string, unknown[]][];
    try {
      const id = `0-${frame.seq}`;
      entries = (await this.#connection.callBuffer('XRANGE', this.#key, id, id)) as [string, unknown[]][];
    } catch (error) {
      if (generation !== this.#generation) return;
      if (isReplyError(error))
        this.#owner.fail(new LinkFailedError(String((error as Error).message), { cause: error }));
      else this.#lost();
      return;
    }
    if (generation !== this.#generation) return;
    const fields = entries[0]?.[1];
    if (fields !== undefined && !(fields[0]?.toString() === DATA_FIELD && frame.data.equals(fields[1] as Buffer))) {
      this.#owner.fail(new LinkConflictError(frame.seq));
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

  #lost(): void {
    if (!this.#ready) return;
    this.#ready = false;
    // ioredis reconnects on its own, and its 'ready' resends from the first unconfirmed frame. A
    // connection that still says 'ready' is either closing (then 'ready' comes later) or fine: look again shortly.
    this.#clock.setTimeout(() => {
      if (!this.#ready && this.#connection.status === 'ready') void this.start();
    }, RETRY_DELAY);
  }

  #refreshExpiry(): void {
    const now = this.#clock.now();
    if (now - this.#expiresRefreshedAt < this.#ttl / 4) return;
    this.#expiresRefreshedAt = now;
    this.#connection.call('PEXPIRE', this.#key, this.#ttl).catch(() => {});
  }
}
