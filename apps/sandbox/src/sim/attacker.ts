import type { Network, NodeId, Packet } from './network.ts';
import type { Simulation } from './simulation.ts';

export type AttackKind = 'eavesdrop' | 'tamper' | 'replay' | 'drop';

export interface AttackerOptions {
  /** Which packets the attacker can reach: the links it sits on. @default every link */
  readonly onLink?: (packet: Packet) => boolean;
  /** Share of reachable packets it tampers with, drops or replays when that attack is on. */
  readonly rate?: number;
  /** How long a replayed packet is held before it is sent again, in ms. */
  readonly replayDelayMs?: number;
}

export interface AttackerStats {
  /** Packets it could see. */
  seen: number;
  /** Packets whose contents it could read: they carried plaintext. */
  readable: number;
  tampered: number;
  replayed: number;
  dropped: number;
  injected: number;
}

/**
 * Someone on the wire. It sees every packet on the links it sits on and can
 * read, change, replay or drop them, and inject packets that claim to come
 * from anyone. It never has keys unless it stole them (see the lessons'
 * "compromise"), so against a secure channel all it has is bytes.
 */
export class Attacker {
  readonly stats: AttackerStats = { seen: 0, readable: 0, tampered: 0, replayed: 0, dropped: 0, injected: 0 };
  readonly #sim: Simulation;
  readonly #network: Network;
  readonly #random: () => number;
  /** The attacks that are on, each with the virtual time it was switched on. */
  readonly #on = new Map<AttackKind, number>();
  readonly #onLink: (packet: Packet) => boolean;
  readonly #rate: number;
  readonly #replayDelayMs: number;
  readonly #isReadable: (bytes: Uint8Array) => boolean;

  /**
   * @param isReadable tells whether a packet's bytes give its content away:
   * the lessons pass a test for their own plaintext.
   */
  constructor(
    sim: Simulation,
    network: Network,
    isReadable: (bytes: Uint8Array) => boolean,
    options: AttackerOptions = {},
  ) {
    this.#sim = sim;
    this.#network = network;
    this.#random = sim.stream('attacker');
    this.#isReadable = isReadable;
    this.#onLink = options.onLink ?? (() => true);
    this.#rate = options.rate ?? 0.3;
    this.#replayDelayMs = options.replayDelayMs ?? 50;
    network.intercept((packet) => this.#intercept(packet));
  }

  get active(): ReadonlySet<AttackKind> {
    return new Set(this.#on.keys());
  }

  isOn(kind: AttackKind): boolean {
    return this.#on.has(kind);
  }

  /** When `kind` was switched on, or undefined while it is off. */
  onSince(kind: AttackKind): number | undefined {
    return this.#on.get(kind);
  }

  /** Switches an attack on or off; false if it already was. */
  set(kind: AttackKind, on: boolean): boolean {
    if (on === this.#on.has(kind)) return false;
    if (on) this.#on.set(kind, this.#sim.now());
    else this.#on.delete(kind);
    return true;
  }

  /** Puts a packet on the wire that claims to come from `as`. */
  inject(as: NodeId, to: NodeId, bytes: Uint8Array): void {
    this.stats.injected++;
    this.#network.inject(as, to, bytes);
  }

  #intercept(packet: Packet): Packet | undefined {
    if (this.#on.size === 0 || !this.#onLink(packet)) return packet;
    this.stats.seen++;
    if (this.#on.has('eavesdrop') && this.#isReadable(packet.bytes)) this.stats.readable++;
    if (this.#on.has('drop') && this.#random() < this.#rate) {
      this.stats.dropped++;
      return undefined;
    }
    if (this.#on.has('replay') && this.#random() < this.#rate) {
      this.stats.replayed++;
      const copy = packet.bytes.slice();
      this.#sim.after(this.#replayDelayMs, () => this.#network.inject(packet.from, packet.to, copy));
    }
    if (this.#on.has('tamper') && this.#random() < this.#rate) {
      this.stats.tampered++;
      return { ...packet, bytes: tamper(packet.bytes) };
    }
    return packet;
  }
}

const AMOUNT_MARKER = new TextEncoder().encode(' transfer ');

/**
 * What a tamperer does: where it can read an amount (plaintext), it raises
 * the amount's first digit to 9; otherwise it flips one bit near the end,
 * where ciphertext and tags sit.
 */
export function tamper(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const amount = indexOf(copy, AMOUNT_MARKER) + AMOUNT_MARKER.length;
  if (amount >= AMOUNT_MARKER.length && amount < copy.length) copy[amount] = 0x39;
  else if (copy.length > 0) copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0x01;
  return copy;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
