import type { Clock } from '@palisade/core';
import {
  accept,
  type ChannelRejectEvent,
  connect,
  type Identity,
  type KeyDirectory,
  type RandomBytes,
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
  readonly onReject?: (peer: NodeId, event: ChannelRejectEvent) => void;
  /** Every data frame that arrived, with what became of it: for the message inspector. */
  readonly onArrival?: ArrivalListener;
  /** Handshake timing, in virtual ms. */
  readonly handshakeRetry?: number;
  readonly handshakeTimeout?: number;
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
        handshakeRetry: options.handshakeRetry ?? 1_000,
        handshakeTimeout: options.handshakeTimeout ?? 10_000,
      };
      const channel: SecureChannel = initiator
        ? connect(transport, { ...common, peer: transport.peer })
        : accept(transport, common);
      trackArrivals(transport, channel, options.onArrival);
      channel.onReject((event) => options.onReject?.(transport.peer, event));
      // A channel that cannot be established never will: fail fast, so the
      // caller's next request opens a fresh connection.
      channel.onClose(() => transport.close());
      return {
        // Sends made before the handshake completes wait in the channel for it.
        send: (bytes) => void channel.send(bytes),
        onMessage: channel.onMessage,
        onClose: transport.onClose,
        close: () => void channel.close(),
        authenticatedPeer: () => channel.peer?.nodeId,
      };
    },
  };
}

/** Shows the inspector each data frame that arrived, with the channel's verdict on it. */
function trackArrivals(transport: PeerTransport, channel: SecureChannel, onArrival: ArrivalListener | undefined): void {
  if (onArrival === undefined) return;
  channel.onFrame((frame) => {
    const kind = frame.verdict === 'accepted' ? frame.kind : frame.claimedKind;
    if (kind !== 'data') return;
    onArrival({
      from: transport.peer,
      to: transport.local,
      wire: frame.bytes,
      delivered: frame.verdict === 'accepted' ? frame.data : undefined,
      verdict: frame.verdict === 'accepted' ? 'accepted' : frame.error.code,
    });
  });
}
