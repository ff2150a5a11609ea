import { BreakerRegistry, ConsecutiveFailuresRule } from '@palisade/breaker';
import { createDeadline } from '@palisade/core';
import { Router } from '@palisade/router';
import type { Action, BreakerState, Counter, NodeView, TourRow } from '../../lessons/lesson.ts';
import { NetworkEndpoint } from '../../sim/endpoint.ts';
import type { NodeId } from '../../sim/network.ts';
import { SimNode } from '../../sim/node.ts';
import { startPoissonLoad } from '../../sim/poisson-load.ts';
import { RpcPeer } from '../../sim/rpc.ts';
import type { Cancel } from '../../sim/simulation.ts';
import { BaseWorld } from '../base-world.ts';
import { preferenceList } from './placement.ts';
import { ReplicaStore, type Versioned } from './replica-store.ts';

export interface KvOptions {
  readonly nodes?: number;
  readonly clients?: number;
  readonly rps?: number;
  readonly keys?: number;
  /** Copies of each key (Dynamo's N). */
  readonly replicas?: number;
  /** Copies a write must reach (W) and a read must hear from (R). */
  readonly writeQuorum?: number;
  readonly readQuorum?: number;
}

const CALL_TIMEOUT_MS = 1_000;
const REPLICA_TIMEOUT_MS = 200;
const HANDOFF_EVERY_MS = 1_000;

interface Client {
  readonly id: NodeId;
  readonly rpc: RpcPeer;
  readonly router: Router<NodeId> | undefined;
}

export interface KvTally {
  reads: number;
  readsFailed: number;
  writes: number;
  writesFailed: number;
  /** Reads that returned something older than a write acknowledged before the read began. */
  staleReads: number;
  readRepairs: number;
  handoffs: number;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/**
 * A decentralized key-value store. With palisade each key lives on three
 * nodes chosen by rendezvous hashing; any node coordinates a request, writes
 * reach two copies and reads hear from two; a node skips peers whose breaker
 * (from a `@palisade/breaker` registry) is open, another node holds a write
 * for a replica that is down and hands it over when it is back, and reads
 * repair stale copies. Clients reach a coordinator through `@palisade/router`.
 * Without palisade each key has one home node and clients go straight to it.
 */
export class KvWorld extends BaseWorld {
  readonly nodes: SimNode[] = [];
  readonly stores = new Map<NodeId, ReplicaStore>();
  readonly clients: Client[] = [];
  readonly tally: KvTally = {
    reads: 0,
    readsFailed: 0,
    writes: 0,
    writesFailed: 0,
    staleReads: 0,
    readRepairs: 0,
    handoffs: 0,
  };
  readonly #peerBreakers = new Map<NodeId, BreakerRegistry<NodeId>>();
  readonly #latest = new Map<string, number>();
  readonly #keys: number;
  readonly #replicas: number;
  readonly #writeQuorum: number;
  readonly #readQuorum: number;
  readonly #arrivals: () => number;
  #rps: number;
  #version = 0;
  #stopLoad: Cancel | undefined;

  constructor(seed: number, palisade: boolean, options: KvOptions = {}) {
    super(seed, palisade, { latencyMs: 4, jitterMs: 2, loss: 0 });
    this.#keys = options.keys ?? 200;
    this.#replicas = options.replicas ?? 3;
    this.#writeQuorum = options.writeQuorum ?? 2;
    this.#readQuorum = options.readQuorum ?? 2;
    this.#rps = options.rps ?? 150;
    this.#arrivals = this.sim.stream('load');
    for (let i = 1; i <= (options.nodes ?? 5); i++) this.#addNode(`node-${i}`);
    for (let i = 1; i <= (options.clients ?? 2); i++) this.#addClient(`client-${i}`);
    if (palisade) this.sim.every(HANDOFF_EVERY_MS, () => this.#handOffHints());
    this.#startLoad();
  }

  /** Copies of keys that are older than the latest acknowledged write, on the nodes that should hold them. */
  staleCopies(): number {
    const ids = this.nodes.map((node) => node.id);
    const copies = this.palisade ? this.#replicas : 1;
    let stale = 0;
    for (const [key, version] of this.#latest) {
      for (const replica of preferenceList(key, ids).slice(0, copies)) {
        if ((this.stores.get(replica)?.get(key)?.version ?? 0) < version) stale++;
      }
    }
    return stale;
  }

  apply(action: Action): boolean {
    const node = 'node' in action ? this.nodes.find((n) => n.id === action.node) : undefined;
    switch (action.type) {
      case 'kill':
        if (node === undefined || node.status === 'down') return false;
        node.kill();
        this.log.faultStarted(node.id, this.now());
        this.monitor.log('node down', `${node.id} crashed; its disk survives`);
        return true;
      case 'restart':
        if (node === undefined || node.status !== 'down') return false;
        node.restart();
        this.log.faultEnded(node.id, this.now());
        this.monitor.log('node up', `${node.id} is back and catching up`);
        return true;
      case 'load': {
        const rps = Math.max(1, action.rps);
        if (rps === this.#rps) return false;
        this.#rps = rps;
        this.#startLoad();
        return true;
      }
      default:
        return false;
    }
  }

  protected nodeViews(): NodeView[] {
    const views: NodeView[] = this.clients.map((client) => ({ id: client.id, kind: 'client', state: 'up', load: 0 }));
    for (const node of this.nodes) {
      const store = this.stores.get(node.id) as ReplicaStore;
      views.push({
        id: node.id,
        kind: 'server',
        state: node.status === 'down' ? 'down' : 'up',
        load: node.load,
        breaker: this.#badge(node.id),
        note: store.hintCount > 0 ? `holding ${store.hintCount} writes for others` : undefined,
      });
    }
    return views;
  }

  protected linkPairs(): Array<readonly [NodeId, NodeId]> {
    const pairs: Array<readonly [NodeId, NodeId]> = [];
    for (const client of this.clients) for (const node of this.nodes) pairs.push([client.id, node.id]);
    if (this.palisade) {
      for (let i = 0; i < this.nodes.length; i++) {
        for (let j = i + 1; j < this.nodes.length; j++)
          pairs.push([this.nodes[i]?.id as NodeId, this.nodes[j]?.id as NodeId]);
      }
    }
    return pairs;
  }

  /** The tour's row: the whole run. */
  tourRow(): TourRow {
    const summary = this.log.summary();
    return {
      successRate: summary.successRate,
      p99: summary.p99,
    };
  }

  protected override offeredLoad(): number {
    return this.#rps;
  }

  protected counters(): Counter[] {
    const t = this.tally;
    return [
      { label: 'reads answered', value: t.reads - t.readsFailed, tone: 'good' },
      { label: 'reads that failed', value: t.readsFailed, tone: 'bad' },
      { label: 'writes stored', value: t.writes - t.writesFailed, tone: 'good' },
      { label: 'writes that failed', value: t.writesFailed, tone: 'bad' },
      { label: 'reads that returned old data', value: t.staleReads, tone: 'bad' },
      {
        label: 'keys nobody can read or write right now',
        value: `${this.keysOutOfReach()} of ${this.#keys}`,
        tone: 'bad',
      },
      {
        label: 'spare copies still catching up (users never read these)',
        value: this.palisade ? this.staleCopies() : 'none kept',
      },
      { label: 'writes held for a down node, then handed back', value: t.handoffs },
      { label: 'old copies fixed by reads', value: t.readRepairs },
    ];
  }

  /**
   * Keys no request can reach now. With replicas, a read or write goes on
   * as long as two nodes answer (stand-ins included); with one home per key,
   * a key is gone while its home is down.
   */
  keysOutOfReach(): number {
    const ids = this.nodes.map((node) => node.id);
    const up = new Set(this.nodes.filter((node) => node.status !== 'down').map((node) => node.id));
    if (this.palisade) return up.size >= Math.max(this.#readQuorum, this.#writeQuorum) ? 0 : this.#keys;
    let gone = 0;
    for (let i = 0; i < this.#keys; i++) if (!up.has(preferenceList(`k${i}`, ids)[0] as NodeId)) gone++;
    return gone;
  }

  #badge(nodeId: NodeId): NodeView['breaker'] {
    const router = this.clients[0]?.router;
    const stats = router?.endpointStats(nodeId);
    if (stats === undefined) return undefined;
    const state: BreakerState = stats.status === 'ejected' ? 'open' : stats.breaker === 2 ? 'half-open' : 'closed';
    return { state, requestRate: stats.requestRate, errorRate: stats.errorRate };
  }

  #addNode(id: NodeId): void {
    this.stores.set(id, new ReplicaStore());
    const node = new SimNode(this.sim, this.network, {
      id,
      workers: 8,
      serviceMs: 4,
      handle: ({ payload }) => this.#serve(id, text(payload)).then(bytes),
    });
    this.nodes.push(node);
    if (this.palisade) {
      this.#peerBreakers.set(
        id,
        new BreakerRegistry<NodeId>({
          clock: this.sim.clock,
          breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 2 }), halfOpenAfter: 1_000 }),
        }),
      );
    }
  }

  #addClient(id: NodeId): void {
    const endpoint = new NetworkEndpoint(this.network, id);
    this.network.attach(id, endpoint);
    const rpc = new RpcPeer(endpoint);
    const router = this.palisade
      ? new Router<NodeId>({
          clock: this.sim.clock,
          random: this.sim.stream(`router:${id}`),
          endpoints: this.nodes.map((node) => ({ id: node.id })),
          timeout: CALL_TIMEOUT_MS,
          attemptTimeout: 400,
          outlierDetection: { maxEjectionPercent: 60, baseEjectionTime: 3_000 },
        })
      : undefined;
    this.clients.push({ id, rpc, router });
  }

  #startLoad(): void {
    this.#stopLoad?.();
    this.#stopLoad = startPoissonLoad(this.sim, this.#arrivals, this.#rps, () => this.#request());
  }

  #request(): void {
    const client = this.clients[Math.floor(this.#arrivals() * this.clients.length)] as Client;
    const key = `k${Math.floor(this.#arrivals() * this.#keys)}`;
    const isWrite = this.#arrivals() < 0.5;
    const version = isWrite ? ++this.#version : 0;
    const command = isWrite ? `PUT ${key} v${version} ${version}` : `GET ${key}`;
    const mustSee = this.#latest.get(key) ?? 0;
    const startedAt = this.now();
    let work: Promise<Uint8Array>;
    if (client.router !== undefined) {
      // Retrying is safe even for writes: a replica keeps only the newest version.
      work = client.router.execute((endpoint, signal) => client.rpc.request(endpoint.id, bytes(command), signal));
    } else {
      const home = preferenceList(
        key,
        this.nodes.map((n) => n.id),
      )[0] as NodeId;
      const deadline = createDeadline(CALL_TIMEOUT_MS, { clock: this.sim.clock });
      work = client.rpc.request(home, bytes(`L${command}`), deadline.signal).finally(() => deadline.dispose());
    }
    if (isWrite) this.tally.writes++;
    else this.tally.reads++;
    work.then(
      (answer) => {
        if (isWrite) this.#latest.set(key, Math.max(this.#latest.get(key) ?? 0, version));
        else if (Number(text(answer).split(' ')[1] ?? 0) < mustSee) this.tally.staleReads++;
        this.log.record({ startedAt, endedAt: this.now(), outcome: 'ok', attempts: 1 });
      },
      (error: unknown) => {
        if (isWrite) this.tally.writesFailed++;
        else this.tally.readsFailed++;
        const timedOut = (error as { code?: string }).code === 'ERR_PALISADE_DEADLINE_EXCEEDED';
        this.log.record({ startedAt, endedAt: this.now(), outcome: timedOut ? 'unknown' : 'failed', attempts: 1 });
      },
    );
  }

  /** A node answering one command. */
  async #serve(self: NodeId, command: string): Promise<string> {
    const [verb = '', key = '', value = '', version = '0', hintFor] = command.split(' ');
    const store = this.stores.get(self) as ReplicaStore;
    const write: Versioned = { value, version: Number(version) };
    switch (verb) {
      case 'LGET':
      case 'RGET': {
        const found = store.get(key);
        return found === undefined ? '- 0' : `${found.value} ${found.version}`;
      }
      case 'LPUT':
      case 'RPUT':
        store.put(key, write);
        if (hintFor !== undefined) store.hint(hintFor, key);
        return 'ok';
      case 'PUT':
        return this.#coordinateWrite(self, key, write);
      case 'GET':
        return this.#coordinateRead(self, key);
      default:
        throw new Error(`unknown command ${verb}`);
    }
  }

  /**
   * Dynamo's sloppy quorum: write to the key's replicas; for each that is
   * down, to the next node in the key's preference list, which keeps the
   * write as a hint for the replica. Done once W copies acknowledged.
   */
  async #coordinateWrite(self: NodeId, key: string, write: Versioned): Promise<string> {
    const order = preferenceList(
      key,
      this.nodes.map((node) => node.id),
    );
    const replicas = order.slice(0, this.#replicas);
    const stored = await Promise.all(
      replicas.map((replica) => this.#replicate(self, replica, `RPUT ${key} ${write.value} ${write.version}`)),
    );
    let acks = stored.filter(Boolean).length;
    let standIn = this.#replicas;
    for (const [index, ok] of stored.entries()) {
      if (ok) continue;
      while (standIn < order.length) {
        const candidate = order[standIn++] as NodeId;
        if (await this.#replicate(self, candidate, `RPUT ${key} ${write.value} ${write.version} ${replicas[index]}`)) {
          acks++;
          break;
        }
      }
    }
    if (acks < this.#writeQuorum) throw new Error(`only ${acks} copies stored`);
    return `ok ${write.version}`;
  }

  /** Ask the replicas, answer with the newest of R replies, and repair the copies that were behind. */
  async #coordinateRead(self: NodeId, key: string): Promise<string> {
    const order = preferenceList(
      key,
      this.nodes.map((node) => node.id),
    );
    const asked = order.slice(0, this.#replicas);
    const replies = await Promise.all(asked.map((replica) => this.#readFrom(self, replica, key)));
    let heard = replies.filter((reply) => reply !== undefined) as Versioned[];
    // Too few replicas answered: the stand-ins may hold their writes.
    for (let next = this.#replicas; heard.length < this.#readQuorum && next < order.length; next++) {
      const reply = await this.#readFrom(self, order[next] as NodeId, key);
      if (reply !== undefined) heard = [...heard, reply];
    }
    if (heard.length < this.#readQuorum) throw new Error(`only ${heard.length} copies answered`);
    const newest = heard.reduce((a, b) => (b.version > a.version ? b : a));
    replies.forEach((reply, index) => {
      if (reply !== undefined && reply.version < newest.version) {
        this.tally.readRepairs++;
        void this.#replicate(self, asked[index] as NodeId, `RPUT ${key} ${newest.value} ${newest.version}`);
      }
    });
    return `${newest.value} ${newest.version}`;
  }

  async #readFrom(self: NodeId, replica: NodeId, key: string): Promise<Versioned | undefined> {
    const answer = await this.#call(self, replica, `RGET ${key}`);
    if (answer === undefined) return undefined;
    const [value = '-', version = '0'] = answer.split(' ');
    return { value, version: Number(version) };
  }

  async #replicate(self: NodeId, target: NodeId, command: string): Promise<boolean> {
    return (await this.#call(self, target, command)) !== undefined;
  }

  /** One node calling another, through its breaker for that peer: a dead peer is skipped at once. */
  async #call(self: NodeId, target: NodeId, command: string): Promise<string | undefined> {
    if (target === self) return this.#serve(self, command);
    const node = this.nodes.find((n) => n.id === self) as SimNode;
    const breakers = this.#peerBreakers.get(self);
    const deadline = createDeadline(REPLICA_TIMEOUT_MS, { clock: this.sim.clock });
    try {
      const call = () => node.rpc.request(target, bytes(command), deadline.signal);
      return text(breakers === undefined ? await call() : await breakers.execute(target, call));
    } catch {
      return undefined;
    } finally {
      deadline.dispose();
    }
  }

  /** Every node hands the writes it holds for others back to them, once they answer again. */
  #handOffHints(): void {
    for (const node of this.nodes) {
      if (node.status === 'down') continue;
      const store = this.stores.get(node.id) as ReplicaStore;
      for (const replica of store.hintedReplicas) {
        for (const [key, write] of store.hintsFor(replica)) {
          void this.#replicate(node.id, replica, `RPUT ${key} ${write.value} ${write.version}`).then((ok) => {
            if (!ok) return;
            store.handedOff(replica, key);
            this.tally.handoffs++;
          });
        }
      }
    }
  }
}
