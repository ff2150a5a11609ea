import { EventEmitter } from '@palisade/core';
import type { Cancel, Simulation } from './simulation.ts';

export type NodeId = string;

/** How a link behaves. Latency and jitter in virtual milliseconds; loss is a probability. */
export interface LinkConditions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly loss: number;
}

/** A datagram on the wire. `bytes` is exactly what an eavesdropper sees. */
export interface Packet {
  readonly id: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly bytes: Uint8Array;
  readonly sentAt: number;
  /** Set when an attacker put this packet on the wire, not `from`. */
  readonly injected?: boolean;
}

export type PacketFate = 'delivered' | 'lost' | 'partitioned' | 'refused' | 'dropped by attacker';

export interface PacketEvent {
  readonly packet: Packet;
  readonly fate: PacketFate;
  readonly at: number;
}

/**
 * Sits on the wire and sees every packet before delivery. Returns the packet
 * to deliver (the same one, or a tampered copy) or undefined to drop it.
 */
export type Interceptor = (packet: Packet) => Packet | undefined;

/** A node's network stack: what the network calls to deliver, or to report a refusal. */
export interface Receiver {
  receive(packet: Packet): void;
  /** The destination was down: like a TCP reset, the sender learns at once. */
  refused?(packet: Packet): void;
}

/**
 * A simulated network of datagrams between nodes, with latency, jitter,
 * loss and partitions. A packet to a node that is not attached (down) is
 * refused after one link latency; a packet across a partition vanishes,
 * which is what makes partitions harder than crashes.
 */
export class Network {
  readonly #sim: Simulation;
  readonly #random: () => number;
  readonly #receivers = new Map<NodeId, Receiver>();
  readonly #interceptors = new Set<Interceptor>();
  readonly #packetEmitter = new EventEmitter<PacketEvent>();
  #defaults: LinkConditions;
  #partition: Map<NodeId, number> | undefined;
  #nextPacketId = 1;

  /** Every packet's fate: for the message inspector, the monitoring log and the traces. */
  readonly onPacket = this.#packetEmitter.addListener;

  constructor(sim: Simulation, defaults: LinkConditions) {
    this.#sim = sim;
    this.#random = sim.stream('network');
    this.#defaults = defaults;
  }

  attach(id: NodeId, receiver: Receiver): void {
    this.#receivers.set(id, receiver);
  }

  detach(id: NodeId): void {
    this.#receivers.delete(id);
  }

  isAttached(id: NodeId): boolean {
    return this.#receivers.has(id);
  }

  /** Latency, jitter and loss of every link from now on. */
  setDefaults(conditions: LinkConditions): void {
    this.#defaults = conditions;
  }

  /** Splits the nodes into groups that cannot reach each other. Nodes not listed can reach no one. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.#partition = new Map();
    groups.forEach((group, index) => {
      for (const id of group) this.#partition?.set(id, index);
    });
  }

  heal(): void {
    this.#partition = undefined;
  }

  canReach(a: NodeId, b: NodeId): boolean {
    if (this.#partition === undefined) return true;
    const group = this.#partition.get(a);
    return group !== undefined && group === this.#partition.get(b);
  }

  /** Puts something on the wire between every attached pair of nodes it is added to. */
  intercept(interceptor: Interceptor): Cancel {
    this.#interceptors.add(interceptor);
    return () => this.#interceptors.delete(interceptor);
  }

  /** Returns the packet's id, which a refusal carries back. */
  send(from: NodeId, to: NodeId, bytes: Uint8Array): number {
    const id = this.#nextPacketId++;
    this.#transmit({ id, from, to, bytes, sentAt: this.#sim.now() });
    return id;
  }

  /** An attacker's packet: it claims to come from `from`, which did not send it. */
  inject(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    this.#transmit({ id: this.#nextPacketId++, from, to, bytes, sentAt: this.#sim.now(), injected: true }, false);
  }

  #transmit(original: Packet, interceptable = true): void {
    let packet: Packet | undefined = original;
    if (interceptable) {
      for (const interceptor of this.#interceptors) {
        packet = interceptor(packet);
        if (packet === undefined) {
          this.#emit(original, 'dropped by attacker');
          return;
        }
      }
    }
    const { latencyMs, jitterMs, loss } = this.#defaults;
    const delay = latencyMs + (jitterMs > 0 ? this.#random() * jitterMs : 0);
    if (loss > 0 && this.#random() < loss) {
      this.#emit(packet, 'lost');
      return;
    }
    const sent = packet;
    this.#sim.after(delay, () => this.#arrive(sent, latencyMs));
  }

  #arrive(packet: Packet, latencyMs: number): void {
    if (!this.canReach(packet.from, packet.to)) {
      this.#emit(packet, 'partitioned');
      return;
    }
    const receiver = this.#receivers.get(packet.to);
    if (receiver === undefined) {
      this.#emit(packet, 'refused');
      const sender = this.#receivers.get(packet.from);
      if (sender?.refused !== undefined && !packet.injected) this.#sim.after(latencyMs, () => sender.refused?.(packet));
      return;
    }
    this.#emit(packet, 'delivered');
    receiver.receive(packet);
  }

  #emit(packet: Packet, fate: PacketFate): void {
    if (this.#packetEmitter.size > 0) this.#packetEmitter.emit({ packet, fate, at: this.#sim.now() });
  }
}

/** Links are undirected: a↔b is one link, one attack surface. */
export function linkKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
