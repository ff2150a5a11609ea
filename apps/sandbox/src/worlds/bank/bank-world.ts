import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { createDeadline } from '@palisade/core';
import type { KeyDirectory, RandomBytes } from '@palisade/messaging';
import { insecureDeterministicRandomBytes } from '@palisade/messaging/testing';
import type { Action, AttackName, Counter, NodeView, TourRow } from '../../lessons/lesson.ts';
import type { Attacker } from '../../sim/attacker.ts';
import type { NodeId } from '../../sim/network.ts';
import { SimNode } from '../../sim/node.ts';
import { type Arrival, type Connector, plainConnector } from '../../sim/pipe.ts';
import { secureConnector } from '../../sim/secure-connector.ts';
import { Timeline } from '../../sim/timeline.ts';
import { BaseWorld } from '../base-world.ts';
import { BankAttacker, containsMarker } from './bank-attacker.ts';
import { ATTACKER, type BankFeature, type Branch } from './branch.ts';
import { KeyLifecycle } from './key-lifecycle.ts';
import { TokenCheck, TokenRefusedError } from './token-check.ts';
import { decodeTransfer, encodeTransfer, type Provenance, type Transfer, TransferRegistry } from './transfer.ts';
import { TransferInspector } from './transfer-inspector.ts';

export { ATTACKER, type BankFeature } from './branch.ts';

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

const REQUEST_TIMEOUT_MS = 2_000;
const defaultFeatures: Record<BankFeature, boolean> = {
  encryption: true,
  authentication: true,
  tokens: true,
  monitoring: false,
  rotation: false,
};

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
 * text and believe what they read. The attacker's moves are in
 * `bank-attacker.ts`, and the keys' life (enrol, revoke, rotate) in
 * `key-lifecycle.ts`.
 */
export class BankWorld extends BaseWorld {
  readonly features: Record<BankFeature, boolean>;
  readonly branches = new Map<NodeId, Branch>();
  readonly keys: KeyLifecycle;
  readonly mallory: BankAttacker;
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
  /** How many branches the bank has, over time. */
  readonly branchCount = new Timeline(0);
  readonly #registry = new TransferRegistry();
  readonly #randomBytes: RandomBytes;
  readonly #tokens: TokenCheck;
  readonly #inspector = new TransferInspector();
  readonly #load: () => number;
  readonly #transferEveryMs: number;

  constructor(seed: number, palisade: boolean, options: BankOptions = {}) {
    super(seed, palisade, { latencyMs: 8, jitterMs: 4, loss: 0 });
    const wanted = { ...defaultFeatures, ...options.features };
    this.features = palisade
      ? wanted
      : { encryption: false, authentication: false, tokens: false, monitoring: false, rotation: false };
    this.#randomBytes = insecureDeterministicRandomBytes(`bank ${seed}`);
    this.#load = this.sim.stream('load');
    this.keys = new KeyLifecycle({
      sim: this.sim,
      monitor: this.monitor,
      randomBytes: this.#randomBytes,
      rotateEveryMs: options.rotateEveryMs ?? 15_000,
      rotationGraceMs: options.rotationGraceMs ?? 2_000,
      keysInUse: () => this.features.encryption || this.features.tokens,
      rekeyed: (branch) => branch.node.rpc.setConnector(this.#connectorFor(branch)),
    });
    this.#tokens = new TokenCheck(this.directory, this.sim.clock);
    this.directory.onRotate(({ nodeId, fromEpoch, retiresAt }) => {
      // A rotation ends a stolen key's life too, once its grace period is over.
      const stolen = this.mallory.stolen;
      if (stolen?.branch === nodeId && stolen.identity.epoch <= fromEpoch) {
        this.sim.after(Math.max(0, retiresAt - this.now()), () =>
          this.#noteStolenKeyDead(nodeId, [stolen.identity.epoch]),
        );
      }
    });

    const ids = options.branches ?? ['branch-a', 'branch-b', 'branch-c'];
    for (const id of ids) this.#addBranch(id);

    this.mallory = new BankAttacker({
      sim: this.sim,
      network: this.network,
      directory: this.directory,
      randomBytes: this.#randomBytes,
      branches: this.branches,
      features: this.features,
      insider: options.insider === true,
      random: this.#load,
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
    this.sim.every(options.attackEveryMs ?? 400, () => this.mallory.tick());
    if (this.features.rotation) this.keys.startRotation(() => this.branches.values());
  }

  get directory(): KeyDirectory {
    return this.keys.directory;
  }

  /** The wire attacker: what it sees, and which of its attacks are on. */
  get attacker(): Attacker {
    return this.mallory.wire;
  }

  apply(action: Action): boolean {
    switch (action.type) {
      case 'attack':
        return this.mallory.setAttack(action.attack, action.on);
      case 'compromise':
        return this.mallory.compromise(action.node, this.now());
      case 'revoke':
        return this.branches.has(action.node) && this.keys.revoke(action.node);
      case 'rotate': {
        const branch = this.branches.get(action.node);
        return branch !== undefined && this.keys.rotate(branch);
      }
      case 'feature':
        return this.#setFeature(action.feature as BankFeature, action.on);
      case 'add-node':
        return this.#addBranchLive();
      case 'kill': {
        const node = this.branches.get(action.node)?.node;
        if (node === undefined || node.status === 'down') return false;
        node.kill();
        this.log.faultStarted(action.node, this.now());
        return true;
      }
      case 'restart': {
        const node = this.branches.get(action.node)?.node;
        if (node === undefined || node.status !== 'down') return false;
        node.restart();
        this.log.faultEnded(action.node, this.now());
        return true;
      }
      default:
        return false;
    }
  }

  protected nodeViews(): NodeView[] {
    const compromised = this.mallory.stolen?.branch;
    const views: NodeView[] = [...this.branches.values()].map((branch) => ({
      id: branch.id,
      kind: 'branch',
      state: this.keys.isRevoked(branch.id)
        ? 'revoked'
        : compromised === branch.id
          ? 'compromised'
          : branch.node.status === 'down'
            ? 'down'
            : 'up',
      load: branch.node.load,
      note: `key #${branch.identity.epoch}`,
    }));
    views.push({
      id: ATTACKER,
      kind: 'attacker',
      state: this.mallory.active ? 'up' : 'down',
      load: 0,
      note: 'the attacker',
    });
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
    };
  }

  protected override featureStates(): Readonly<Record<string, boolean>> {
    return { ...this.features };
  }

  protected override attackStates(): Readonly<Record<AttackName, boolean>> {
    const wire = this.attacker;
    return {
      eavesdrop: wire.isOn('eavesdrop'),
      tamper: wire.isOn('tamper'),
      replay: wire.isOn('replay'),
      drop: wire.isOn('drop'),
      impersonate: this.mallory.impersonating,
    };
  }

  protected override linkIsRevoked(a: NodeId, b: NodeId): boolean {
    return this.keys.isRevoked(a) || this.keys.isRevoked(b);
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
    const identity = this.keys.enrol(id);
    const node = new SimNode(this.sim, this.network, {
      id,
      workers: 4,
      serviceMs: 4,
      handle: (request) => this.#serveTransfer(id, request.from, request.peer, request.payload),
    });
    const branch: Branch = { id, node, identity, token: '', tokenId: new Uint8Array(0), breakers: new Map(), sent: 0 };
    this.keys.issueToken(branch);
    this.branches.set(id, branch);
    this.branchCount.set(this.now(), this.branches.size);
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
  #addBranchLive(): boolean {
    const id = `branch-${String.fromCharCode(97 + this.branches.size)}`;
    if (this.branches.has(id) || this.branches.size >= 26) return false;
    this.#addBranch(id);
    this.sim.every(this.#transferEveryMs, () => this.#sendTransfer(id));
    this.monitor.log('info', `${id} opened: ${this.#linkCount()} links to protect now`);
    return true;
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

  #sendTransfer(from: NodeId): void {
    const branch = this.branches.get(from);
    if (branch === undefined || branch.node.status === 'down' || this.keys.isRevoked(from)) return;
    // The bank tells its branches who was cut off; nobody sends to a revoked branch.
    const others = [...this.branches.keys()].filter((id) => id !== from && !this.keys.isRevoked(id));
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
    this.#inspector.applied(self, transfer.tx, provenance);
    if (provenance !== 'genuine') this.tally.successTimes.push(this.now());
    if (provenance === 'forged') {
      if (this.mallory.stolen?.branch === transfer.fromBranch) this.tally.forgedFromCompromised++;
      else this.tally.forgedFromOthers++;
    }
    return new TextEncoder().encode(`ok ${transfer.tx}`);
  }

  #checkToken(self: NodeId, transfer: Transfer): void {
    try {
      this.#tokens.check(self, transfer);
    } catch (error) {
      if (!(error instanceof TokenRefusedError)) throw error;
      this.tally.refusedTokens++;
      this.monitor.log('token refused', `${self} refused a transfer from ${transfer.fromBranch}: ${error.reason}`);
      throw error;
    }
  }

  #detectStolenKey(identity: string, address: NodeId): void {
    this.tally.alerts++;
    this.monitor.log(
      'alert',
      `${identity}'s key is in use from ${address}: a stolen key. Revoking it and issuing a new one.`,
    );
    this.keys.revoke(identity);
    const branch = this.branches.get(identity);
    if (branch !== undefined) this.keys.rotate(branch);
  }

  #setFeature(feature: BankFeature, on: boolean): boolean {
    if (!this.palisade || !(feature in this.features) || this.features[feature] === on) return false;
    this.features[feature] = on;
    if (feature === 'encryption') {
      for (const branch of this.branches.values()) branch.node.rpc.setConnector(this.#connectorFor(branch));
    }
    if (feature === 'rotation') {
      this.keys.stopRotation();
      if (on) this.keys.startRotation(() => this.branches.values());
    }
    return true;
  }

  #noteStolenKeyDead(nodeId: NodeId, epochs: readonly number[]): void {
    const stolen = this.mallory.stolen;
    if (stolen === undefined || stolen.branch !== nodeId || this.tally.stolenKeyUsableMs !== undefined) return;
    if (epochs.includes(stolen.identity.epoch)) this.tally.stolenKeyUsableMs = this.now() - stolen.at;
  }

  #inspect(arrival: Arrival): void {
    if (arrival.from === ATTACKER || arrival.to === ATTACKER) return;
    const readable = containsMarker(arrival.wire);
    if (readable && this.attacker.isOn('eavesdrop')) {
      this.tally.read++;
      this.tally.successTimes.push(this.now());
      const seen = decodeTransfer(arrival.wire.subarray(5));
      if (seen?.token !== undefined) this.mallory.sawToken(seen.fromBranch, seen.token);
    }
    // Anything on an unsealed link is readable, replies included; the tally
    // above counts only what gave a transfer away.
    this.inspect(this.#inspector.arrived(arrival, this.now(), !this.features.encryption));
  }
}
