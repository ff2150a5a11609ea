import type { Clock } from '@palisade/core';
import {
  accept,
  connect,
  type Identity,
  type KeyDirectory,
  type RandomBytes,
  type RejectionEvent,
  type SecureChannel,
} from '@palisade/messaging';
import type { PeerTransport } from './endpoint.ts';
import type { NodeId } from './network.ts';
import type { Connector, MessagePipe } from './pipe.ts';

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
  /** A channel established (or failed to): for the message inspector and the monitor. */
  readonly onChannel?: (peer: NodeId, channel: SecureChannel) => void;
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
        handshakeRetryMs: 1_000,
        handshakeTimeoutMs: 10_000,
      };
      const channel = initiator ? connect(transport, { ...common, peer: transport.peer }) : accept(transport, common);
      channel.onReject((event) => options.onReject?.(transport.peer, event));
      options.onChannel?.(transport.peer, channel);
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
      return {
        send: (bytes) => {
          if (outbox === undefined) channel.send(bytes);
          else outbox.push(bytes);
        },
        onMessage: channel.onMessage,
        close: () => channel.close(),
      };
    },
  };
}
