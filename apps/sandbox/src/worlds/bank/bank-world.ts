import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { createDeadline } from '@palisade/core';
import { Identity, issueToken, KeyDirectory, type RandomBytes, verifyToken } from '@palisade/messaging';
import { insecureDeterministicRandomBytes } from '@palisade/messaging/testing';
import type { Action, Counter, NodeView, TourRow } from '../../lessons/lesson.ts';
import { Attacker } from '../../sim/attacker.ts';
import { NetworkEndpoint } from '../../sim/endpoint.ts';
import type { NodeId } from '../../sim/network.ts';
import { SimNode } from '../../sim/node.ts';
import { type Arrival, type Connector, plainConnector } from '../../sim/pipe.ts';
import { RpcPeer, requestFrame } from '../../sim/rpc.ts';
import { secureConnector } from '../../sim/secure-connector.ts';
import { BaseWorld } from '../base-world.ts';
import {
  decodeTransfer,
  encodeTransfer,
  PLAINTEXT_MARKER,
  type Provenance,
  type Transfer,
  TransferRegistry,
} from './transfer.ts';

/** The protections a bank world can switch on and off. */
export type BankFeature = 'encryption' | 'authentication' | 'tokens' | 'monitoring' | 'rotation';

export const BANK_FEATURES: readonly BankFeature[] = [
  'encryption',
  'authentication',
  'tokens',
  'monitoring',
  'rotation',
];

export interface BankOptions {
  readonly branches?: readonly string[];
  /** How often each branch sends a transfer, in virtual ms. */
  readonly transferEveryMs?: number;
  /** The palisade world's features; the baseline world has none. */
  readonly features?: Partial<Record<BankFeature, boolean>>;
  /** How often the attacker tries its own transfers while impersonating. */
  readonly attackEveryMs?: number;
  /** With rotation on: how often every branch gets a new key, and how long the old one is honoured. */
  readonly rotateEveryMs?: number;
  readonly rotationGraceMs?: number;
  /**
   * The attacker is an insider: a registered partner (say, the ATM supplier)
   * with a key of its own, but no right to move anyone's money. It shows
   * authentication and authorisation apart.
   */
  readonly insider?: boolean;
}

export const ATTACKER = 'mallory';
/** Tokens are for the bank's transfer service, which every branch runs. */
const TOKEN_AUDIENCE = 'bank-transfers';
const REQUEST_TIMEOUT_MS = 2_000;
const defaultFeatures: Record<BankFeature, boolean> = {
  encryption: true,
  authentication: true,
  tokens: true,
  monitoring: false,
  rotation: false,
};

interface Branch {
  readonly id: NodeId;
  readonly node: SimNode;
  identity: Identity;
  /** Head office's token granting this branch the right to move its own money, anywhere in the bank. */
  token: string;
  /** Its revocation id, so a stolen token can be revoked with the key. */
  tokenId: Uint8Array;
  /** With palisade: one circuit breaker per branch it sends to. */
  readonly breakers: Map<NodeId, CircuitBreaker>;
  sent: number;
}

/** What the attacker got away with, and what was stopped. */
export interface BankTally {
  read: number;
  applied: Record<Provenance, number>;
  /** Forged transfers that moved money out of the compromised branch: what stolen keys allow. */
  forgedFromCompromised: number;
  /** Forged transfers that moved money out of any other branch: what they must not allow. */
  forgedFromOthers: number;
  rejectedMessages: number;
  refusedTokens: number;
  refusedHandshakes: number;
  alerts: number;
  /** How long stolen keys kept working, in ms: from the break-in until they were revoked or retired. */
  stolenKeyUsableMs: number | undefined;
  /** When each successful attack happened, for "in the last n seconds" questions. */
  readonly successTimes: number[];
}

/**
 * A bank with branches that send each other transfers, and an attacker,
 * mallory, on the wire between them. With palisade the branches talk over
 * `@palisade/messaging` channels with keys from a shared directory and
 * prove their rights with capability tokens; without it they send plain
 * text and believe what they read.
 */
export class BankWorld extends BaseWorld {
  readonly features: Record<BankFeature, boolean>;
  readonly branches = new Map<NodeId, Branch>();
  readonly directory: KeyDirectory;
  readonly attacker: Attacker;
  readonly tally: BankTally = {
    read: 0,
    applied: { genuine: 0, tampered: 0, replayed: 0, forged: 0 },
    forgedFromCompromised: 0,
    forgedFromOthers: 0,
    rejectedMessages: 0,
    refusedTokens: 0,
    refusedHandshakes: 0,
    alerts: 0,
    stolenKeyUsableMs: undefined,
    successTimes: [],
  };
  readonly #registry = new TransferRegistry();
  readonly #randomBytes: RandomBytes;
  readonly #hq: Identity;
  readonly #mallory: RpcPeer;
  readonly #verifiedTokens = new Map<string, string>();
  readonly #load: () => number;
  readonly #attackEveryMs: number;
  readonly #transferEveryMs: number;
  readonly #rotateEveryMs: number;
  readonly #rotationGraceMs: number;
  #impersonating = false;
  #compromised: { branch: NodeId; identity: Identity; token: string; at: number } | undefined;
  readonly #insider: Identity | undefined;
  /** Tokens the attacker read off a plaintext wire: bearer tokens work for whoever holds them. */
  readonly #stolenTokens = new Map<string, string>();
  #revoked = new Set<NodeId>();
  #stopRotation: (() => void) | undefined;
  #attackSeq = 0;
  #spoofTicks = 0;
  #fakeIdentity: Identity | undefined;

  constructor(seed: number, palisade: boolean, options: BankOptions = {}) {
    super(seed, palisade, { latencyMs: 8, jitterMs: 4, loss: 0 });
    const wanted = { ...defaultFeatures, ...options.features };
    this.features = palisade
      ? wanted
      : { encryption: false, authentication: false, tokens: false, monitoring: false, rotation: false };
    this.#randomBytes = insecureDeterministicRandomBytes(`bank ${seed}`);
    this.#load = this.sim.stream('load');
    this.#attackEveryMs = options.attackEveryMs ?? 400;
    this.#rotateEveryMs = options.rotateEveryMs ?? 15_000;
    this.#rotationGraceMs = options.rotationGraceMs ?? 2_000;
    this.directory = new KeyDirectory({ clock: this.sim.clock, rotationGrace: this.#rotationGraceMs });
    this.#hq = Identity.generate('bank-hq', { insecureRandomBytesForTests: this.#randomBytes });
    this.directory.register(this.#hq.publicIdentity);
    this.directory.onRevoke((event) => {
      this.#verifiedTokens.clear();
      if (event.kind === 'key')
        this.monitor.log('key revoked', `${event.nodeId}'s key was revoked: nobody accepts it any more`);
    });
    this.directory.onRotate(({ nodeId, fromEpoch, retiresAt }) => {
      this.monitor.log('key rotated', `${nodeId} has a new key`);
      // A rotation ends a stolen key's life too, once its grace period is over.
      const stolen = this.#compromised;
      if (stolen?.branch === nodeId && stolen.identity.epoch <= fromEpoch) {
        this.sim.after(Math.max(0, retiresAt - this.now()), () =>
          this.#noteStolenKeyDead(nodeId, [stolen.identity.epoch]),
        );
      }
    });

    const ids = options.branches ?? ['branch-a', 'branch-b', 'branch-c'];
    for (const id of ids) this.#addBranch(id);

    const endpoint = new NetworkEndpoint(this.network, ATTACKER);
    this.network.attach(ATTACKER, endpoint);
    this.#mallory = new RpcPeer(endpoint);
    if (options.insider === true) {
      this.#insider = Identity.generate(ATTACKER, { insecureRandomBytesForTests: this.#randomBytes });
      this.directory.register(this.#insider.publicIdentity);
    }
    this.attacker = new Attacker(this.sim, this.network, (bytes) => containsMarker(bytes), {
      onLink: (packet) => packet.from !== ATTACKER && packet.to !== ATTACKER,
      rate: 0.15,
    });

    const every = options.transferEveryMs ?? 250;
    this.#transferEveryMs = every;
    ids.forEach((id, index) => {
      // Staggered, so the branches do not all talk in the same instant.
      this.sim.after((every * index) / ids.length, () => {
        this.#sendTransfer(id);
        this.sim.every(every, () => this.#sendTransfer(id));
      });
    });
    this.sim.every(this.#attackEveryMs, () => this.#attackTick());
    if (this.features.rotation) this.#startRotation();
  }

  apply(action: Action): void {
    switch (action.type) {
      case 'attack':
        if (action.attack === 'impersonate') this.#impersonating = action.on;
        else this.attacker.set(action.attack, action.on);
        return;
      case 'compromise':
        this.#compromise(action.node);
        return;
      case 'revoke':
        this.#revoke(action.node);
        return;
      case 'rotate':
        this.#rotate(action.node);
        return;
      case 'feature':
        this.#setFeature(action.feature as BankFeature, action.on);
        return;
      case 'add-node':
        this.#addBranchLive();
        return;
      case 'kill':
        this.branches.get(action.node)?.node.kill();
        this.log.faultStarted(action.node, this.now());
        return;
      case 'restart':
        this.branches.get(action.node)?.node.restart();
        this.log.faultEnded(action.node, this.now());
        return;
      default:
        return;
    }
  }

  protected nodeViews(): NodeView[] {
    const views: NodeView[] = [...this.branches.values()].map((branch) => ({
      id: branch.id,
      kind: 'branch',
      state: this.#revoked.has(branch.id)
        ? 'revoked'
        : this.#compromised?.branch === branch.id
          ? 'compromised'
          : branch.node.status === 'down'
            ? 'down'
            : 'up',
      load: branch.node.load,
      note: `key #${branch.identity.epoch}`,
    }));
    const active = this.attacker.active.size > 0 || this.#impersonating || this.#compromised !== undefined;
    views.push({ id: ATTACKER, kind: 'attacker', state: active ? 'up' : 'down', load: 0, note: 'the attacker' });
    return views;
  }

  protected linkPairs(): Array<readonly [NodeId, NodeId]> {
    const ids = [...this.branches.keys()];
    const pairs: Array<readonly [NodeId, NodeId]> = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) pairs.push([ids[i] as NodeId, ids[j] as NodeId]);
    }
    return pairs;
  }

  protected override linkIsSecure(): boolean {
    return this.features.encryption;
  }

  protected override linkIsAttacked(): boolean {
    return this.attacker.active.size > 0;
  }

  /** The tour's row: transfers that succeeded, and attacks stopped and not stopped. */
  tourRow(): TourRow {
    const summary = this.log.summary();
    return {
      successRate: summary.successRate,
      p99: summary.p99,
      attacksRejected: this.attacksRejected(),
      attacksSucceeded: this.attacksSucceeded(),
      keysMoved: undefined,
    };
  }

  protected override featureStates(): Readonly<Record<string, boolean>> {
    return { ...this.features };
  }

  protected counters(): Counter[] {
    const t = this.tally;
    return [
      { label: 'transfers delivered', value: t.applied.genuine, tone: 'good' },
      { label: 'messages the attacker could read', value: t.read, tone: 'bad' },
      { label: 'tampered transfers applied', value: t.applied.tampered, tone: 'bad' },
      { label: 'replayed transfers applied', value: t.applied.replayed, tone: 'bad' },
      { label: 'forged transfers applied', value: t.applied.forged, tone: 'bad' },
      { label: 'messages refused by a channel', value: t.rejectedMessages, tone: 'good' },
      { label: 'handshakes refused', value: t.refusedHandshakes, tone: 'good' },
      { label: 'tokens refused', value: t.refusedTokens, tone: 'good' },
    ];
  }

  /** Attacks that got through: messages read plus transfers tampered, replayed or forged. */
  attacksSucceeded(): number {
    return this.tally.successTimes.length;
  }

  /** Attacks that got through in the last `ms`. */
  attacksSucceededWithin(ms: number): number {
    const since = this.now() - ms;
    return this.tally.successTimes.filter((at) => at >= since).length;
  }

  /** Attacks that were stopped by a channel, a handshake or a token check. */
  attacksRejected(): number {
    const t = this.tally;
    return t.rejectedMessages + t.refusedHandshakes + t.refusedTokens;
  }

  #addBranch(id: NodeId): void {
    const identity = Identity.generate(id, { insecureRandomBytesForTests: this.#randomBytes });
    this.directory.register(identity.publicIdentity);
    const node = new SimNode(this.sim, this.network, {
      id,
      workers: 4,
      serviceMs: 4,
      handle: (request) => this.#serveTransfer(id, request.from, request.peer, request.payload),
    });
    const branch: Branch = { id, node, identity, token: '', tokenId: new Uint8Array(0), breakers: new Map(), sent: 0 };
    this.#issueToken(branch);
    this.branches.set(id, branch);
    node.rpc.setConnector(this.#connectorFor(branch));
  }

  #connectorFor(branch: Branch): Connector {
    const onArrival = (arrival: Arrival) => this.#inspect(arrival);
    if (!this.features.encryption) return plainConnector(onArrival);
    return secureConnector({
      identity: branch.identity,
      directory: this.directory,
      clock: this.sim.clock,
      randomBytes: this.#randomBytes,
      onArrival,
      onReject: (peer, { error, stage }) => {
        if (stage === 'handshake') {
          this.tally.refusedHandshakes++;
          this.monitor.log('handshake refused', `${branch.id} refused a handshake from ${peer}: ${error.code}`);
        } else {
          this.tally.rejectedMessages++;
          this.monitor.log('message rejected', `${branch.id} refused a message from ${peer}: ${error.code}`);
        }
      },
    });
  }

  /** A new branch opens, with keys and a token of its own. */
  #addBranchLive(): void {
    const id = `branch-${String.fromCharCode(97 + this.branches.size)}`;
    if (this.branches.has(id)) return;
    this.#addBranch(id);
    this.sim.every(this.#transferEveryMs, () => this.#sendTransfer(id));
    this.monitor.log('info', `${id} opened: ${this.#linkCount()} links to protect now`);
  }

  #linkCount(): number {
    const n = this.branches.size;
    return (n * (n - 1)) / 2;
  }

  #breaker(branch: Branch, to: NodeId): CircuitBreaker {
    let breaker = branch.breakers.get(to);
    if (breaker === undefined) {
      breaker = new CircuitBreaker({
        clock: this.sim.clock,
        rule: new ConsecutiveFailuresRule({ threshold: 3 }),
        halfOpenAfter: 2_000,
      });
      breaker.onBreak(() => this.monitor.log('breaker opened', `${branch.id} stopped calling ${to}: it keeps failing`));
      breaker.onReset(() => this.monitor.log('breaker closed', `${branch.id} is calling ${to} again`));
      branch.breakers.set(to, breaker);
    }
    return breaker;
  }

  /**
   * Head office grants a branch the right to move its own money. One token
   * per branch, valid at every branch of the bank: the audience is the bank's
   * transfer service, and the right names the branch whose money it covers.
   */
  #issueToken(branch: Branch): void {
    branch.tokenId = this.#randomBytes(16);
    branch.token = toBase64Url(
      issueToken(this.#hq, {
        audience: TOKEN_AUDIENCE,
        rights: [`transfer:${branch.id}`],
        ttl: 3_600_000,
        revocationId: branch.tokenId,
        clock: this.sim.clock,
        insecureRandomBytesForTests: this.#randomBytes,
      }),
    );
  }

  /** After a break-in the branch's token is as stolen as its keys: revoke it and issue a new one. */
  #replaceToken(branch: Branch): void {
    this.directory.revokeToken(branch.tokenId, 'compromised');
    this.#issueToken(branch);
  }

  #sendTransfer(from: NodeId): void {
    const branch = this.branches.get(from);
    if (branch === undefined || branch.node.status === 'down' || this.#revoked.has(from)) return;
    // The bank tells its branches who was cut off; nobody sends to a revoked branch.
    const others = [...this.branches.keys()].filter((id) => id !== from && !this.#revoked.has(id));
    const to = others[Math.floor(this.#load() * others.length)];
    if (to === undefined) return;
    const transfer: Transfer = {
      tx: `tx-${from.slice(-1)}-${++branch.sent}`,
      amount: 10 + Math.floor(this.#load() * 80) * 10,
      fromBranch: from,
      fromAccount: `acct-${1 + Math.floor(this.#load() * 9)}`,
      toBranch: to,
      toAccount: `acct-${1 + Math.floor(this.#load() * 9)}`,
      ...(this.features.tokens ? { token: branch.token } : {}),
    };
    this.#registry.sent(transfer);
    const startedAt = this.now();
    const deadline = createDeadline(REQUEST_TIMEOUT_MS, { clock: this.sim.clock });
    const call = () => branch.node.rpc.request(to, encodeTransfer(transfer), deadline.signal);
    // With palisade a branch stops hammering a branch that keeps failing.
    (this.palisade ? this.#breaker(branch, to).execute(call) : call())
      .then(
        () => this.log.record({ startedAt, endedAt: this.now(), outcome: 'ok', node: to, attempts: 1 }),
        (error: unknown) =>
          this.log.record({
            startedAt,
            endedAt: this.now(),
            outcome: (error as { code?: string }).code === 'ERR_PALISADE_DEADLINE_EXCEEDED' ? 'unknown' : 'failed',
            node: to,
            attempts: 1,
          }),
      )
      .finally(() => deadline.dispose());
  }

  /** A branch receiving a transfer: what it checks depends on the protections that are on. */
  #serveTransfer(self: NodeId, from: NodeId, peer: string | undefined, payload: Uint8Array): Uint8Array {
    const transfer = decodeTransfer(payload);
    if (transfer === undefined) throw new Error('not a transfer');
    if (this.features.monitoring && peer !== undefined && peer !== from) this.#detectStolenKey(peer, from);
    // Authentication says who sent it; only the token says whose money the
    // sender may move. Without tokens, any node that got in may move anything.
    if (this.features.tokens) this.#checkToken(self, transfer);
    const provenance = this.#registry.apply(transfer);
    this.tally.applied[provenance]++;
    if (provenance !== 'genuine') this.tally.successTimes.push(this.now());
    if (provenance === 'forged') {
      if (this.#compromised?.branch === transfer.fromBranch) this.tally.forgedFromCompromised++;
      else this.tally.forgedFromOthers++;
    }
    return new TextEncoder().encode(`ok ${transfer.tx}`);
  }

  #checkToken(self: NodeId, transfer: Transfer): void {
    const token = transfer.token;
    const key = `${self} ${transfer.fromBranch} ${token}`;
    if (token !== undefined && this.#verifiedTokens.has(key)) return;
    try {
      if (token === undefined) throw new Error('no token');
      // Verifying costs a signature check per block; a branch remembers the
      // tokens it has verified until a revocation anywhere clears the cache.
      verifyToken(fromBase64Url(token), {
        directory: this.directory,
        audience: TOKEN_AUDIENCE,
        right: `transfer:${transfer.fromBranch}`,
        clock: this.sim.clock,
      });
      this.#verifiedTokens.set(key, self);
    } catch (error) {
      this.tally.refusedTokens++;
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'no token';
      this.monitor.log('token refused', `${self} refused a transfer from ${transfer.fromBranch}: ${reason}`);
      throw new Error('token refused');
    }
  }

  #detectStolenKey(identity: string, address: NodeId): void {
    this.tally.alerts++;
    this.monitor.log(
      'alert',
      `${identity}'s key is in use from ${address}: a stolen key. Revoking it and issuing a new one.`,
    );
    this.#revoke(identity);
    this.#rotate(identity);
  }

  #attackTick(): void {
    if (this.#compromised !== undefined) this.#actAsCompromised();
    else if (this.#impersonating) this.#spoof();
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
    const ids = [...this.branches.keys()];
    const as = ids[0] as NodeId;
    const to = ids[1 + (this.#attackSeq % (ids.length - 1))] as NodeId;
    if (!this.features.encryption) {
      const forged = this.#forgedTransfer(as, to, this.#stolenTokens.get(as));
      this.attacker.inject(as, to, requestFrame(900_000 + this.#attackSeq, encodeTransfer(forged)));
      return;
    }
    if (this.#spoofTicks++ % 5 !== 0) return;
    if (this.#fakeIdentity === undefined) {
      if (this.#insider !== undefined && this.features.authentication) {
        this.#fakeIdentity = this.#insider;
      } else {
        this.#fakeIdentity = Identity.generate(as, {
          epoch: this.directory.current(as).epoch + 1,
          insecureRandomBytesForTests: this.#randomBytes,
        });
        // Without authenticated keys nobody checks whose key is whose: the
        // attacker simply publishes its key in the branch's name.
        if (!this.features.authentication) this.directory.rotate(this.#fakeIdentity.publicIdentity, { grace: 600_000 });
      }
      this.#mallory.setConnector(this.#malloryConnector(this.#fakeIdentity));
    }
    this.#mallory.fire(to, encodeTransfer(this.#forgedTransfer(as, to)));
  }

  /** With a branch's stolen keys and tokens: act as that branch, and try to act as others. */
  #actAsCompromised(): void {
    const stolen = this.#compromised;
    if (stolen === undefined) return;
    // Refused, the attacker keeps knocking, but only now and then: each try
    // costs the branches a handshake.
    if (!this.#trusts(stolen.identity) && this.#spoofTicks++ % 5 !== 0) return;
    const others = [...this.branches.keys()].filter((id) => id !== stolen.branch);
    const to = others[Math.floor(this.#load() * others.length)] as NodeId;
    const tryOwnMoney = this.#attackSeq % 2 === 0;
    const victim = tryOwnMoney ? stolen.branch : (others.find((id) => id !== to) ?? stolen.branch);
    const transfer = this.#forgedTransfer(victim, to, stolen.token);
    if (this.features.encryption) this.#mallory.fire(to, encodeTransfer(transfer));
    else this.attacker.inject(victim, to, requestFrame(900_000 + this.#attackSeq, encodeTransfer(transfer)));
  }

  #trusts(identity: Identity): boolean {
    try {
      const { status } = this.directory.resolve(identity.nodeId, identity.epoch);
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
      ...(this.features.tokens && token !== undefined ? { token } : {}),
    };
  }

  #malloryConnector(identity: Identity): Connector {
    if (!this.features.encryption) return plainConnector();
    return secureConnector({
      identity,
      directory: this.directory,
      clock: this.sim.clock,
      randomBytes: this.#randomBytes,
      handshakeTimeout: 2_000,
    });
  }

  #compromise(id: NodeId): void {
    const branch = this.branches.get(id);
    if (branch === undefined) return;
    this.#compromised = { branch: id, identity: branch.identity, token: branch.token, at: this.now() };
    this.#mallory.setConnector(this.#malloryConnector(branch.identity));
    this.attacker.set('eavesdrop', true);
  }

  #revoke(id: NodeId): void {
    if (!this.branches.has(id) || this.#revoked.has(id)) return;
    if (this.features.encryption || this.features.tokens) {
      this.#revoked.add(id);
      this.directory.revoke(id, { reason: 'compromised' });
    } else {
      this.monitor.log('info', `${id} has no key to revoke: without palisade there is nothing to take back`);
    }
  }

  /** Re-enrols a branch with a new key (and new tokens): after a revocation, this is how it comes back. */
  #rotate(id: NodeId): void {
    const branch = this.branches.get(id);
    if (branch === undefined || !(this.features.encryption || this.features.tokens)) return;
    const revoked = this.#revoked.delete(id);
    branch.identity = Identity.generate(id, {
      epoch: branch.identity.epoch + 1,
      insecureRandomBytesForTests: this.#randomBytes,
    });
    // After a revocation the old key gets no grace at all, and the tokens that
    // went with it are replaced. A routine rotation keeps the tokens: they
    // name the branch, not its key.
    this.directory.rotate(branch.identity.publicIdentity, { grace: revoked ? 0 : this.#rotationGraceMs });
    if (revoked) this.#replaceToken(branch);
    branch.node.rpc.setConnector(this.#connectorFor(branch));
  }

  #startRotation(): void {
    this.#stopRotation = this.sim.every(this.#rotateEveryMs, () => {
      for (const id of this.branches.keys()) if (!this.#revoked.has(id)) this.#rotate(id);
    });
  }

  #setFeature(feature: BankFeature, on: boolean): void {
    if (!this.palisade || !(feature in this.features)) return;
    this.features[feature] = on;
    if (feature === 'encryption') {
      for (const branch of this.branches.values()) branch.node.rpc.setConnector(this.#connectorFor(branch));
    }
    if (feature === 'rotation') {
      this.#stopRotation?.();
      this.#stopRotation = undefined;
      if (on) this.#startRotation();
    }
  }

  #noteStolenKeyDead(nodeId: NodeId, epochs: readonly number[]): void {
    const stolen = this.#compromised;
    if (stolen === undefined || stolen.branch !== nodeId || this.tally.stolenKeyUsableMs !== undefined) return;
    if (epochs.includes(stolen.identity.epoch)) this.tally.stolenKeyUsableMs = this.now() - stolen.at;
  }

  #inspect(arrival: Arrival): void {
    if (arrival.from === ATTACKER || arrival.to === ATTACKER) return;
    const readable = containsMarker(arrival.wire);
    if (readable && this.attacker.active.has('eavesdrop')) {
      this.tally.read++;
      this.tally.successTimes.push(this.now());
      const seen = decodeTransfer(arrival.wire.subarray(5));
      if (seen?.token !== undefined) this.#stolenTokens.set(seen.fromBranch, seen.token);
    }
    this.inspect({
      at: this.now(),
      from: arrival.from,
      to: arrival.to,
      wire: arrival.wire,
      delivered: arrival.delivered === undefined ? undefined : new TextDecoder().decode(arrival.delivered.subarray(5)),
      verdict: arrival.verdict,
      // Anything on an unsealed link is readable, replies included; the tally
      // above counts only what gave a transfer away.
      readable: !this.features.encryption,
    });
  }
}

function containsMarker(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes).includes(PLAINTEXT_MARKER);
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (char) => char.charCodeAt(0));
}
