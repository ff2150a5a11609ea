import type { Event } from '@palisade/core';
import type { PeerTransport } from './endpoint.ts';

/** What RPC needs from a connection to one peer: whole messages, both ways. */
export interface MessagePipe {
  send(bytes: Uint8Array): void;
  readonly onMessage: Event<Uint8Array>;
  close(): void;
}

/**
 * Turns a raw peer transport into a message pipe. The plain connector uses
 * the transport as it is; the secure connector runs a real
 * `@palisade/messaging` channel over it. `initiator` is the side that opened
 * the connection.
 */
export interface Connector {
  open(transport: PeerTransport, initiator: boolean): MessagePipe;
}

export const plainConnector: Connector = {
  open: (transport) => ({
    send: (bytes) => transport.send(bytes),
    onMessage: transport.onReceive,
    close: () => transport.close(),
  }),
};
