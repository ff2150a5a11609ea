import type { Transport } from '@palisade/messaging';

/**
 * How branches reach each other: the seam between the bank and the wire.
 * A node listens for links dialled to it and dials others; each link is a
 * messaging `Transport`, on which `connect` and `accept` run the handshake
 * and the encrypted channel.
 */
export interface Links {
  /** Listens for links dialled to `node`; resolves once listening. */
  listen(node: string, onLink: (transport: Transport) => void): Promise<void>;
  /** A fresh link from `from` to `to`. Rejects if `to` cannot be reached. */
  dial(from: string, to: string): Promise<Transport>;
  close(): Promise<void>;
}
