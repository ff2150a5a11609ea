import { EventEmitter } from '@palisade/core';
import type { Transport } from '@palisade/messaging';
import type { Network, NodeId, Packet, Receiver } from './network.ts';

/**
 * One node's place on the network. It demultiplexes packets by sender into
 * one `Transport` per peer, the same interface a WebSocket adapter offers, so
 * the real `@palisade/messaging` channels run over the simulated network
 * unchanged.
 */
export class NetworkEndpoint implements Receiver {
  readonly id: NodeId;
  readonly #network: Network;
  readonly #transports = new Map<NodeId, PeerTransport>();
  readonly #peerEmitter = new EventEmitter<PeerTransport>();
  readonly #refusedEmitter = new EventEmitter<NodeId>();

  /** A packet came from a peer this node had no transport for yet: a new connection. */
  readonly onPeer = this.#peerEmitter.addListener;
  /** A peer refused a packet: it is down. Like a TCP reset, this ends every exchange with it. */
  readonly onRefused = this.#refusedEmitter.addListener;

  constructor(network: Network, id: NodeId) {
    this.#network = network;
    this.id = id;
  }

  get network(): Network {
    return this.#network;
  }

  /** The transport to `peer`, created if needed. */
  transport(peer: NodeId): PeerTransport {
    let transport = this.#transports.get(peer);
    if (transport === undefined) {
      transport = new PeerTransport(this, peer);
      this.#transports.set(peer, transport);
    }
    return transport;
  }

  /** Drops every peer transport: what a crash does to a node's connections. */
  reset(): void {
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  forget(peer: NodeId): void {
    this.#transports.delete(peer);
  }

  receive(packet: Packet): void {
    const known = this.#transports.get(packet.from);
    const transport = known ?? this.transport(packet.from);
    if (known === undefined) this.#peerEmitter.emit(transport);
    transport.deliver(packet.bytes);
  }

  refused(packet: Packet): void {
    this.#refusedEmitter.emit(packet.to);
  }
}

/** A message pipe between two nodes over the simulated network. */
export class PeerTransport implements Transport {
  readonly peer: NodeId;
  readonly #endpoint: NetworkEndpoint;
  readonly #receiveEmitter = new EventEmitter<Uint8Array>();
  readonly #closeEmitter = new EventEmitter<void>();
  #closed = false;

  readonly onReceive = this.#receiveEmitter.addListener;
  readonly onClose = this.#closeEmitter.addListener;

  constructor(endpoint: NetworkEndpoint, peer: NodeId) {
    this.#endpoint = endpoint;
    this.peer = peer;
  }

  /** This node's id. */
  get local(): NodeId {
    return this.#endpoint.id;
  }

  send(bytes: Uint8Array): void {
    if (!this.#closed) this.#endpoint.network.send(this.#endpoint.id, this.peer, bytes);
  }

  deliver(bytes: Uint8Array): void {
    if (!this.#closed) this.#receiveEmitter.emit(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endpoint.forget(this.peer);
    this.#closeEmitter.emit();
  }
}
