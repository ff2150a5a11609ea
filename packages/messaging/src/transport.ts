import type { Event } from '@palisade/core';

/**
 * What a channel needs from a link: send whole messages, receive whole
 * messages. Delivery may be lossy, duplicated or reordered; a channel in
 * datagram mode copes, a channel in stream mode needs order. In-memory,
 * WebSocket, a broker or a simulated network are all adapters of this.
 */
export interface Transport {
  send(bytes: Uint8Array): void;
  /** One whole message from the other end. A channel copies it before the listener returns, so the buffer may be reused. */
  readonly onReceive: Event<Uint8Array>;
  /** The link closed (either end). */
  readonly onClose: Event<void>;
  /** Something arrived that is not a binary message; the channel reports it as a rejection. */
  readonly onError?: Event<Error>;
  /**
   * Lets go of the link. An adapter whose link closes asynchronously returns
   * a promise that settles once it has (and must settle); the channel's own
   * `close()` waits for it. Called once per channel.
   */
  close(): void | PromiseLike<void>;
}

/** By shape: a transport is anything with these four members. */
export function isTransport(value: unknown): value is Transport {
  const candidate = value as Partial<Transport> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.send === 'function' &&
    typeof candidate.onReceive === 'function' &&
    typeof candidate.onClose === 'function' &&
    typeof candidate.close === 'function'
  );
}
