import { Identity, type KeyDirectory, type RandomBytes } from '@palisade/messaging';
import { Attacker, type AttackKind } from '../../sim/attacker.ts';
import { NetworkEndpoint } from '../../sim/endpoint.ts';
import type { Network, NodeId } from '../../sim/network.ts';
import { type Connector, plainConnector } from '../../sim/pipe.ts';
import { RpcPeer, requestFrame } from '../../sim/rpc.ts';
import { secureConnector } from '../../sim/secure-connector.ts';
import type { Simulation } from '../../sim/simulation.ts';
import { ATTACKER, type BankFeature, type Branch } from './branch.ts';
import { encodeTransfer, PLAINTEXT_MARKER, type Transfer } from './transfer.ts';

export interface BankAttackerOptions {
  readonly sim: Simulation;
  readonly network: Network;
  readonly directory: KeyDirectory;
  readonly randomBytes: RandomBytes;
  readonly branches: ReadonlyMap<NodeId, Branch>;
  /** The world's protections, live: what the attacker can get away with depends on them. */
  readonly features: Readonly<Record<BankFeature, boolean>>;
  /**
   * A registered partner (say, the ATM supplier) with a key of its own, but
   * no right to move anyone's money: it shows authentication and
   * authorisation apart.
   */
  readonly insider: boolean;
  /** The run's load stream, shared with the branches' own transfers. */
  readonly random: () => number;
}

/** A branch's keys and token in the attacker's hands, and since when. */
export interface StolenKeys {
  readonly branch: NodeId;
  readonly identity: Identity;
  readonly token: string;
  readonly at: number;
}

/**
 * Mallory's moves against the bank: everything the wire attacker does
 * (listen, tamper, replay, drop), plus making up transfers in a branch's
 * name, with or without that branch's stolen keys.
 */
export class BankAttacker {
  readonly wire: Attacker;
  readonly #options: BankAttackerOptions;
  readonly #mallory: RpcPeer;
  readonly #insider: Identity | undefined;
  /** Tokens read off a plaintext wire: bearer tokens work for whoever holds them. */
  readonly #stolenTokens = new Map<string, string>();
  /** Since when the attacker has been making up transfers in a branch's name, while it does. */
  #impersonatingSince: number | undefined;
  #stolen: StolenKeys | undefined;
  #attackSeq = 0;
  #spoofTicks = 0;
  #fakeIdentity: Identity | undefined;

  constructor(options: BankAttackerOptions) {
    this.#options = options;
    const endpoint = new NetworkEndpoint(options.network, ATTACKER);
    options.network.attach(ATTACKER, endpoint);
    this.#mallory = new RpcPeer(endpoint);
    if (options.insider) {
      this.#insider = Identity.generate(ATTACKER, { insecureRandomBytesForTests: options.randomBytes });
      options.directory.register(this.#insider.publicIdentity);
    }
    this.wire = new Attacker(options.sim, options.network, (bytes) => containsMarker(bytes), {
      onLink: (packet) => packet.from !== ATTACKER && packet.to !== ATTACKER,
      rate: 0.15,
    });
  }

  get impersonating(): boolean {
    return this.#impersonatingSince !== undefined;
  }

  /** Whose keys the attacker holds, if any. */
  get stolen(): StolenKeys | undefined {
    return this.#stolen;
  }

  /** Whether the attacker is doing anything at all. */
  get active(): boolean {
    return this.wire.active.size > 0 || this.impersonating || this.#stolen !== undefined;
  }

  /** When an attack was switched on, or undefined while it is off. */
  onSince(kind: AttackKind | 'impersonate'): number | undefined {
    return kind === 'impersonate' ? this.#impersonatingSince : this.wire.onSince(kind);
  }

  /** False if the attack already was in that state. */
  setAttack(kind: AttackKind | 'impersonate', on: boolean): boolean {
    if (kind !== 'impersonate') return this.wire.set(kind, on);
    if (on === this.impersonating) return false;
    this.#impersonatingSince = on ? this.#options.sim.now() : undefined;
    return true;
  }

  /** The attacker read a transfer off the wire, and with it the sender's token. */
  sawToken(branch: NodeId, token: string): void {
    this.#stolenTokens.set(branch, token);
  }

  /** Breaks into a branch: copies its keys and token, and listens to every link. False if it already holds them. */
  compromise(id: NodeId, at: number): boolean {
    const branch = this.#options.branches.get(id);
    if (branch === undefined) return false;
    if (this.#stolen?.branch === id && this.#stolen.identity === branch.identity) return false;
    this.#stolen = { branch: id, identity: branch.identity, token: branch.token, at };
    this.#mallory.setConnector(this.#connector(branch.identity));
    this.wire.set('eavesdrop', true);
    return true;
  }

  /** One attempt, every few hundred virtual ms. */
  tick(): void {
    if (this.#stolen !== undefined) this.#actAsStolen();
    else if (this.impersonating) this.#spoof();
  }

  /**
   * Without a branch's keys: claim to be a branch anyway. Over plaintext that
   * is one forged packet (with a token read off the wire, if it saw one).
   * Over channels it needs a handshake: as itself if it is a registered
   * insider, or in the branch's name with a key of its own, which works only
   * where nobody checks whose key is whose. Every try costs both sides
   * signatures, so over channels it tries only every few ticks.
   */
  #spoof(): void {
    const { branches, features, directory, randomBytes } = this.#options;
    const ids = [...branches.keys()];
    const as = ids[0] as NodeId;
    const to = ids[1 + (this.#attackSeq % (ids.length - 1))] as NodeId;
    if (!features.encryption) {
      const forged = this.#forgedTransfer(as, to, this.#stolenTokens.get(as));
      this.wire.inject(as, to, requestFrame(900_000 + this.#attackSeq, encodeTransfer(forged)));
      return;
    }
    if (this.#spoofTicks++ % 5 !== 0) return;
    if (this.#fakeIdentity === undefined) {
      if (this.#insider !== undefined && features.authentication) {
        this.#fakeIdentity = this.#insider;
      } else {
        this.#fakeIdentity = Identity.generate(as, {
          epoch: directory.current(as).epoch + 1,
          insecureRandomBytesForTests: randomBytes,
        });
        // Without authenticated keys nobody checks whose key is whose: the
        // attacker simply publishes its key in the branch's name.
        if (!features.authentication) directory.rotate(this.#fakeIdentity.publicIdentity, { grace: 600_000 });
      }
      this.#mallory.setConnector(this.#connector(this.#fakeIdentity));
    }
    this.#mallory.fire(to, encodeTransfer(this.#forgedTransfer(as, to)));
  }

  /** With a branch's stolen keys and tokens: act as that branch, and try to act as others. */
  #actAsStolen(): void {
    const stolen = this.#stolen;
    if (stolen === undefined) return;
    // Refused, the attacker keeps knocking, but only now and then: each try
    // costs the branches a handshake.
    if (!this.#trusted(stolen.identity) && this.#spoofTicks++ % 5 !== 0) return;
    const others = [...this.#options.branches.keys()].filter((id) => id !== stolen.branch);
    const to = others[Math.floor(this.#options.random() * others.length)] as NodeId;
    const tryOwnMoney = this.#attackSeq % 2 === 0;
    const victim = tryOwnMoney ? stolen.branch : (others.find((id) => id !== to) ?? stolen.branch);
    const transfer = this.#forgedTransfer(victim, to, stolen.token);
    if (this.#options.features.encryption) this.#mallory.fire(to, encodeTransfer(transfer));
    else this.wire.inject(victim, to, requestFrame(900_000 + this.#attackSeq, encodeTransfer(transfer)));
  }

  #trusted(identity: Identity): boolean {
    try {
      const { status } = this.#options.directory.resolve(identity.nodeId, identity.epoch);
      return status === 'active' || status === 'retiring';
    } catch {
      return false;
    }
  }

  #forgedTransfer(from: NodeId, to: NodeId, token?: string): Transfer {
    this.#attackSeq++;
    return {
      tx: `tx-m-${this.#attackSeq}`,
      amount: 9_900,
      fromBranch: from,
      fromAccount: 'acct-1',
      toBranch: to,
      toAccount: 'acct-mallory',
      ...(this.#options.features.tokens && token !== undefined ? { token } : {}),
    };
  }

  #connector(identity: Identity): Connector {
    const { features, directory, sim, randomBytes } = this.#options;
    if (!features.encryption) return plainConnector();
    return secureConnector({ identity, directory, clock: sim.clock, randomBytes, handshakeTimeout: 2_000 });
  }
}

/** Whether bytes on the wire give a transfer away. */
export function containsMarker(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes).includes(PLAINTEXT_MARKER);
}
