import { SendQueueFullError } from './errors.js';

/** `send` (a DATA or STREAM frame) or `end` (the stream's FINAL). */
export type SendKind = 'data' | 'final';

interface QueuedSend {
  readonly kind: SendKind;
  readonly data: Uint8Array | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const ignore = (): void => {};

/**
 * A promise whose rejection never counts as unhandled: a caller who ignores
 * what `send` returns learns of a failure through `ready` and `onClose`, and
 * must not have their process stopped for it. Awaiting it still throws.
 */
export function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(ignore);
  return promise;
}

/**
 * The sends made before the first handshake completed, in order, at most
 * `limit` of them. Each keeps a private copy of its bytes, as an immediate
 * send would have sealed them at once and the caller may reuse the buffer.
 */
export class SendQueue {
  readonly #limit: number;
  #entries: QueuedSend[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Settles when the frame was handed to the transport; rejects if it never will be. */
  add(kind: SendKind, data: Uint8Array | undefined): Promise<void> {
    if (this.#entries.length >= this.#limit) return quietly(Promise.reject(new SendQueueFullError(this.#limit)));
    const copy = data === undefined ? undefined : Uint8Array.from(data);
    return quietly(
      new Promise<void>((resolve, reject) => {
        this.#entries.push({ kind, data: copy, resolve, reject });
      }),
    );
  }

  /** Hands every queued send, oldest first, to `transmit`; each settles with what `transmit` did. */
  flush(transmit: (kind: SendKind, data: Uint8Array | undefined) => void): void {
    const entries = this.#entries;
    this.#entries = [];
    for (const entry of entries) {
      try {
        transmit(entry.kind, entry.data);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  /** Rejects every queued send with `error`. */
  fail(error: unknown): void {
    const entries = this.#entries;
    this.#entries = [];
    for (const entry of entries) entry.reject(error);
  }
}
