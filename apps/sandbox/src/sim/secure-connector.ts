import type { Clock } from '@palisade/core';
import {
  accept,
  connect,
  type Identity,
  type KeyDirectory,
  MessageType,
  type RandomBytes,
  type RejectionEvent,
  type SecureChannel,
} from '@palisade/messaging';
import type { PeerTransport } from './endpoint.ts';
import type { NodeId } from './network.ts';
import type { ArrivalListener, Connector, MessagePipe } from './pipe.ts';

export interface SecureConnectorOptions {
  readonly identity: Identity;
  readonly directory: KeyDirectory;
  readonly clock: Clock;
  /**
   * The simulation is a replay of a seed, so its ephemeral keys come from a
   * seeded stream. Real deployments never do this: it is why the option is
   * named insecure.
   */
  readonly randomBytes: RandomBytes;
  /** Every message a channel refused, for the monitor and the attack counters. */
  readonly onReject?: (peer: NodeId, event: RejectionEvent) => void;
  /** Every data frame that arrived, with what became of it: for the message inspector. */
  readonly onArrival?: ArrivalListener;
  /** Handshake timing, in virtual ms. */
  readonly handshakeRetryMs?: number;
  readonly handshakeTimeoutMs?: number;
}

/**
 * Runs a real `@palisade/messaging` channel over each simulated peer
 * connection. Messages sent before the handshake completes wait for it.
 * Crypto is the synchronous tweetnacl path on purpose: WebCrypto settles on
 * another thread, outside the virtual clock's control, and would make runs
 * unrepeatable.
 */
export function secureConnector(options: SecureConnectorOptions): Connector {
  return {
    open(transport: PeerTransport, initiator: boolean): MessagePipe {
      const common = {
        identity: options.identity,
        directory: options.directory,
        clock: options.clock,
        crypto: 'tweetnacl' as const,
        insecureRandomBytesForTests: options.randomBytes,
        handshakeRetryMs: options.handshakeRetryMs ?? 1_000,
        handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      };
      const channel: SecureChannel = initiator
        ? connect(transport, { ...common, peer: transport.peer })
        : accept(transport, common);
      trackArrivals(transport, channel, options.onArrival);
      channel.onReject((event) => options.onReject?.(transport.peer, event));
      let outbox: Uint8Array[] | undefined = [];
      channel.ready.then(
        () => {
          for (const bytes of outbox ?? []) channel.send(bytes);
          outbox = undefined;
        },
        () => {
          outbox = [];
        },
      );
      // A channel that cannot be established never will: fail fast, so the
      // caller's next request opens a fresh connection.
      channel.onClose(() => transport.close());
      return {
        send: (bytes) => {
          if (outbox === undefined) channel.send(bytes);
          else outbox.push(bytes);
        },
        onMessage: channel.onMessage,
        onClose: transport.onClose,
        close: () => channel.close(),
        authenticatedPeer: () => channel.peer?.nodeId,
      };
    },
  };
}

/**
 * Pairs each arriving data frame with its fate. The channel answers every
 * data frame, in order, with either a message or a frame-stage rejection,
 * so a queue of the frames' wire bytes lines up with those answers.
 */
function trackArrivals(transport: PeerTransport, channel: SecureChannel, onArrival: ArrivalListener | undefined): void {
  if (onArrival === undefined) return;
  const waiting: Uint8Array[] = [];
  transport.onReceive((bytes) => {
    if (bytes[1] === MessageType.data) waiting.push(bytes);
  });
  const arrival = (delivered: Uint8Array | undefined, verdict: string) => {
    const wire = waiting.shift();
    if (wire !== undefined) onArrival({ from: transport.peer, to: transport.local, wire, delivered, verdict });
  };
  channel.onMessage((bytes) => arrival(bytes, 'accepted'));
  channel.onReject(({ error, stage }) => {
    if (stage === 'frame') arrival(undefined, error.code);
  });
}
