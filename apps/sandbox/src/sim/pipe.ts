import type { Event } from '@palisade/core';
import type { PeerTransport } from './endpoint.ts';
import type { NodeId } from './network.ts';

/** What RPC needs from a connection to one peer: whole messages, both ways. */
export interface MessagePipe {
  send(bytes: Uint8Array): void;
  readonly onMessage: Event<Uint8Array>;
  /** The pipe can carry nothing more: the next request needs a new one. */
  readonly onClose: Event<void>;
  close(): void;
  /** Who the peer proved to be, where the pipe authenticates; undefined for plaintext. */
  authenticatedPeer(): string | undefined;
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

/** One message arriving at a node, as the inspector shows it. */
export interface Arrival {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly wire: Uint8Array;
  /** The bytes the application got; undefined when the message was refused. */
  readonly delivered: Uint8Array | undefined;
  /** 'accepted' or the refusal's error code. */
  readonly verdict: string;
}

export type ArrivalListener = (arrival: Arrival) => void;

/** Sends frames as they are: anyone on the wire reads and changes them at will. */
export function plainConnector(onArrival?: ArrivalListener): Connector {
  return {
    open: (transport) => {
      if (onArrival !== undefined) {
        transport.onReceive((bytes) =>
          onArrival({ from: transport.peer, to: transport.local, wire: bytes, delivered: bytes, verdict: 'accepted' }),
        );
      }
      return {
        send: (bytes) => transport.send(bytes),
        onMessage: transport.onReceive,
        onClose: transport.onClose,
        close: () => transport.close(),
        authenticatedPeer: () => undefined,
      };
    },
  };
}
