import { createDeadline } from '@palisade/core';
import { Identity, KeyDirectory, type RandomBytes } from '@palisade/messaging';
import { insecureDeterministicRandomBytes } from '@palisade/messaging/testing';
import { RetryBudget, Router } from '@palisade/router';
import type {
  Action,
  AttackName,
  BreakerBadge,
  BreakerState,
  Counter,
  Feature,
  NodeView,
  TourRow,
} from '../../lessons/lesson.ts';
import { Attacker } from '../../sim/attacker.ts';
import { NetworkEndpoint } from '../../sim/endpoint.ts';
import type { NodeId } from '../../sim/network.ts';
import { SimNode } from '../../sim/node.ts';
import type { Connector } from '../../sim/pipe.ts';
import { startPoissonLoad } from '../../sim/poisson-load.ts';
import { RpcPeer } from '../../sim/rpc.ts';
import { secureConnector } from '../../sim/secure-connector.ts';
import type { Cancel } from '../../sim/simulation.ts';
import { Timeline } from '../../sim/timeline.ts';
import { BaseWorld } from '../base-world.ts';

export interface ClusterOptions {
  readonly nodes?: number;
  readonly clients?: number;
  /** Requests per second, over all clients. */
  readonly rps?: number;
  /** Links run over `@palisade/messaging` channels (in the palisade world), and an attacker can sit on them. */
  readonly secure?: boolean;
  /** Mean service time of a request, in ms. */
  readonly serviceMs?: number;
}

const CALL_TIMEOUT_MS = 1_000;
const ATTEMPT_TIMEOUT_MS = 150;

/** The router's protections a learner can switch off one by one. */
export type ClusterFeature = 'retries' | 'ejection';

export const CLUSTER_FEATURES: readonly Feature[] = [
  {
    name: 'retries',
    label: 'Retries',
    description: 'A failed request is tried again on another node, within a budget.',
  },
  {
    name: 'ejection',
    label: 'Breakers',
    description: 'A node that keeps failing is taken out of rotation for a while.',
  },
];

interface Client {
  readonly id: NodeId;
  readonly rpc: RpcPeer;
  router: Router<NodeId> | undefined;
  sent: number;
  roundRobin: number;
}

/**
 * Clients and server nodes. With palisade each client sends its requests
 * through a `@palisade/router`: P2C peak-EWMA balancing, a breaker per node
 * that ejects it after failures, retries on another node within a budget,
 * a deadline per call. Without it, each request goes once to the next node
 * in turn, and whatever happens to it happens to the user.
 */
export class ClusterWorld extends BaseWorld {
  readonly nodes: SimNode[] = [];
  readonly clients: Client[] = [];
  readonly attacker: Attacker | undefined;
  readonly features: Record<ClusterFeature, boolean> = { retries: true, ejection: true };
  readonly #secure: boolean;
  readonly #serviceMs: number;
  readonly #directory: KeyDirectory | undefined;
  readonly #randomBytes: RandomBytes;
  readonly #arrivals: () => number;
  readonly #sent = new Map<string, string>();
  #rps: number;
  #stopLoad: Cancel | undefined;
  #nextNode = 0;
  /** Requests a node executed with content other than what the client sent. */
  corrupted = 0;
  /**
   * Requests a node executed a second time: replays. A retry goes to another
   * node, so only the same node running the same request twice is an attack.
   */
  duplicated = 0;
  rejectedByChannels = 0;
  readonly #executed = new Set<string>();
  /** How many server nodes there are, and how many are down, over time. */
  readonly servers = new Timeline(0);
  readonly down = new Timeline(0);
  #partitioned = false;

  constructor(seed: number, palisade: boolean, options: ClusterOptions = {}) {
    super(seed, palisade, { latencyMs: 5, jitterMs: 3, loss: 0 });
    this.#secure = palisade && options.secure === true;
    this.#serviceMs = options.serviceMs ?? 15;
    this.#rps = options.rps ?? 200;
    this.#arrivals = this.sim.stream('load');
    this.#randomBytes = insecureDeterministicRandomBytes(`cluster ${seed}`);
    this.#directory = this.#secure ? new KeyDirectory({ clock: this.sim.clock }) : undefined;
    for (let i = 0; i < (options.nodes ?? 5); i++) this.#addNode();
    for (let i = 0; i < (options.clients ?? 2); i++) this.#addClient(`client-${i + 1}`);
    if (options.secure === true) {
      this.attacker = new Attacker(
        this.sim,
        this.network,
        (bytes) => new TextDecoder().decode(bytes).includes(' op '),
        // Low enough that three attempts almost always get one through: the lesson shows a
        // retry turning a refused message into a success, not a coin toss at the 99% bar.
        { rate: 0.05 },
      );
    }
    this.#startLoad();
  }

  get rps(): number {
    return this.#rps;
  }

  /** Attacks that got through: messages read, and requests executed changed or twice. */
  attacksSucceeded(): number {
    return (this.attacker?.stats.readable ?? 0) + this.corrupted + this.duplicated;
  }

  apply(action: Action): boolean {
    switch (action.type) {
      case 'kill':
      case 'restart':
      case 'slow':
      case 'recover':
        return this.#nodeAction(action.type, action.node);
      case 'partition':
        if (this.#partitioned) this.log.faultEnded('partition', this.now());
        this.network.partition(action.groups);
        this.#partitioned = true;
        this.log.faultStarted('partition', this.now());
        this.monitor.log('alert', 'the network split into parts that cannot reach each other');
        return true;
      case 'heal':
        if (!this.#partitioned) return false;
        this.network.heal();
        this.#partitioned = false;
        this.log.faultEnded('partition', this.now());
        this.monitor.log('info', 'the network healed');
        return true;
      case 'load': {
        const rps = Math.max(1, action.rps);
        if (rps === this.#rps) return false;
        this.#rps = rps;
        this.#startLoad();
        return true;
      }
      case 'add-node':
        this.#addNode();
        return true;
      case 'remove-node':
        return this.#removeNode(action.node);
      case 'attack':
        return action.attack !== 'impersonate' && this.attacker !== undefined
          ? this.attacker.set(action.attack, action.on)
          : false;
      case 'feature':
        if (!this.palisade || !(action.feature in this.features)) return false;
        if (this.features[action.feature as ClusterFeature] === action.on) return false;
        this.features[action.feature as ClusterFeature] = action.on;
        // The router takes these at construction: each client gets a new one
        // over the same nodes, as a redeploy with new settings would.
        for (const client of this.clients) client.router = this.#router(client.id);
        this.monitor.log('info', `${action.on ? 'switched on' : 'switched off'}: ${action.feature}`);
        return true;
      default:
        return false;
    }
  }

  protected nodeViews(): NodeView[] {
    const views: NodeView[] = this.clients.map((client) => ({
      id: client.id,
      kind: 'client',
      state: 'up',
      load: 0,
      note: `${Math.round(this.#rps / this.clients.length)} requests/s`,
    }));
    for (const node of this.nodes) {
      views.push({
        id: node.id,
        kind: 'server',
        state: node.status,
        load: node.load,
        breaker: this.#badge(node.id),
        note: `${node.load} in progress`,
      });
    }
    return views;
  }

  protected linkPairs(): Array<readonly [NodeId, NodeId]> {
    return this.clients.flatMap((client) => this.nodes.map((node) => [client.id, node.id] as const));
  }

  protected override linkIsSecure(): boolean {
    return this.#secure;
  }

  protected override linkIsAttacked(): boolean {
    return (this.attacker?.active.size ?? 0) > 0;
  }

  /** The tour's row: the whole run, and the attacks on it if there was an attacker. */
  tourRow(): TourRow {
    const summary = this.log.summary();
    return {
      successRate: summary.successRate,
      p99: summary.p99,
      ...(this.attacker === undefined
        ? {}
        : { attacksRejected: this.rejectedByChannels, attacksSucceeded: this.attacksSucceeded() }),
    };
  }

  protected override attackStates(): Readonly<Record<AttackName, boolean>> | undefined {
    const attacker = this.attacker;
    if (attacker === undefined) return undefined;
    return {
      eavesdrop: attacker.isOn('eavesdrop'),
      tamper: attacker.isOn('tamper'),
      replay: attacker.isOn('replay'),
      drop: attacker.isOn('drop'),
      impersonate: false,
    };
  }

  protected override featureStates(): Readonly<Record<string, boolean>> | undefined {
    return this.palisade ? { ...this.features } : undefined;
  }

  protected override offeredLoad(): number {
    return this.#rps;
  }

  protected counters(): Counter[] {
    const now = this.now();
    const recent = this.log.window(now - 5_000, now - 1_000);
    const counters: Counter[] = [
      { label: 'success, last few seconds', value: `${(recent.successRate * 100).toFixed(1)}%`, tone: 'good' },
      { label: 'requests that failed or timed out', value: this.log.unsuccessful, tone: 'bad' },
      { label: 'nodes up', value: `${this.nodes.filter((n) => n.status !== 'down').length} of ${this.nodes.length}` },
      { label: 'links', value: this.linkPairs().length },
    ];
    if (this.attacker !== undefined) {
      counters.push(
        { label: 'messages the attacker could read', value: this.attacker.stats.readable, tone: 'bad' },
        { label: 'requests changed in transit and executed', value: this.corrupted, tone: 'bad' },
        { label: 'requests replayed and executed twice', value: this.duplicated, tone: 'bad' },
        { label: 'tampered or replayed messages refused', value: this.rejectedByChannels, tone: 'good' },
      );
    }
    return counters;
  }

  #badge(nodeId: NodeId): BreakerBadge | undefined {
    if (!this.palisade) return undefined;
    let requestRate = 0;
    let failures = 0;
    let state: BreakerState = 'closed';
    for (const client of this.clients) {
      const stats = client.router?.endpointStats(nodeId);
      if (stats === undefined) continue;
      requestRate += stats.requestRate;
      failures += stats.requestRate * stats.errorRate;
      if (stats.status === 'ejected') state = 'open';
      else if (stats.breaker === 2 && state === 'closed') state = 'half-open';
    }
    return { state, requestRate, errorRate: requestRate === 0 ? 0 : failures / requestRate };
  }

  #connector(identity: Identity): Connector | undefined {
    if (!this.#secure || this.#directory === undefined) return undefined;
    return secureConnector({
      identity,
      directory: this.#directory,
      clock: this.sim.clock,
      randomBytes: this.#randomBytes,
      onReject: (peer, { error, stage }) => {
        if (stage !== 'frame') return;
        this.rejectedByChannels++;
        this.monitor.log('message rejected', `${peer}: ${error.code}`);
      },
    });
  }

  #identity(id: NodeId): Identity {
    const identity = Identity.generate(id, { insecureRandomBytesForTests: this.#randomBytes });
    this.#directory?.register(identity.publicIdentity);
    return identity;
  }

  #addNode(): void {
    const id = `node-${++this.#nextNode}`;
    const node = new SimNode(this.sim, this.network, {
      id,
      workers: 8,
      serviceMs: this.#serviceMs,
      connector: this.#secure ? this.#connector(this.#identity(id)) : undefined,
      handle: ({ payload }) => this.#execute(id, payload),
    });
    this.nodes.push(node);
    for (const client of this.clients) client.router?.add({ id });
    this.#countNodes();
  }

  #removeNode(id: NodeId): boolean {
    const index = this.nodes.findIndex((node) => node.id === id);
    if (index < 0 || this.nodes.length <= 1) return false;
    this.nodes.splice(index, 1);
    for (const client of this.clients) client.router?.remove(id);
    this.#countNodes();
    return true;
  }

  /** Keeps the node counts' history, for challenges that ask since when a condition has held. */
  #countNodes(): void {
    this.servers.set(this.now(), this.nodes.length);
    this.down.set(this.now(), this.nodes.filter((node) => node.status === 'down').length);
  }

  #addClient(id: NodeId): void {
    const endpoint = new NetworkEndpoint(this.network, id);
    this.network.attach(id, endpoint);
    const rpc = new RpcPeer(endpoint, { connector: this.#secure ? this.#connector(this.#identity(id)) : undefined });
    this.clients.push({ id, rpc, router: this.#router(id), sent: 0, roundRobin: this.clients.length });
  }

  #router(clientId: NodeId): Router<NodeId> | undefined {
    if (!this.palisade) return undefined;
    const router = new Router<NodeId>({
      clock: this.sim.clock,
      random: this.sim.stream(`router:${clientId}`),
      endpoints: this.nodes.map((node) => ({ id: node.id })),
      timeout: CALL_TIMEOUT_MS,
      attemptTimeout: ATTEMPT_TIMEOUT_MS,
      retry: this.features.retries ? {} : false,
      // The attacker of the secure cluster spoils one message in twenty each way, so about a tenth
      // of first attempts and of retries fail, on top of those that meet a dead node: the default
      // budget (20% of calls) would run dry. The other lessons keep the default, which is what
      // stops retries alone from riding out a crash.
      ...(this.#secure ? { budget: new RetryBudget({ percentCanRetry: 0.5 }) } : {}),
      // The router's defaults eject for 30 s at a time. The lessons kill two
      // of five nodes and bring them back within seconds, and a learner should
      // see both breakers open, probe and close while watching; three of five
      // out at once is as far as the lessons' clusters may shrink.
      outlierDetection: this.features.ejection ? { maxEjectionPercent: 60, baseEjectionTime: 4_000 } : false,
    });
    router.onEject(({ endpoint, duration }) =>
      this.monitor.log(
        'endpoint ejected',
        `${clientId} stopped sending to ${endpoint.id} for ${(duration / 1000).toFixed(0)} s`,
      ),
    );
    return router;
  }

  #nodeAction(type: 'kill' | 'restart' | 'slow' | 'recover', id: NodeId): boolean {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) return false;
    if (type === 'kill' && node.status !== 'down') {
      if (node.status === 'slow') this.log.faultEnded(`${id} slow`, this.now());
      node.kill();
      this.log.faultStarted(id, this.now());
      this.monitor.log('node down', `${id} crashed`);
    } else if (type === 'restart' && node.status === 'down') {
      node.restart();
      this.log.faultEnded(id, this.now());
      this.monitor.log('node up', `${id} is back`);
    } else if (type === 'slow' && node.status === 'up') {
      node.slowDown();
      this.log.faultStarted(`${id} slow`, this.now());
      this.monitor.log('alert', `${id} became ten times slower`);
    } else if (type === 'recover' && node.status === 'slow') {
      node.recover();
      this.log.faultEnded(`${id} slow`, this.now());
      this.monitor.log('info', `${id} is fast again`);
    } else return false;
    this.#countNodes();
    return true;
  }

  #startLoad(): void {
    this.#stopLoad?.();
    this.#stopLoad = startPoissonLoad(this.sim, this.#arrivals, this.#rps, () =>
      this.#request(this.clients[Math.floor(this.#arrivals() * this.clients.length)] as Client),
    );
  }

  #request(client: Client): void {
    const op = `${client.id}-${++client.sent}`;
    const text = `REQ ${op} op transfer ${10 + (client.sent % 90)}`;
    this.#sent.set(op, text);
    const payload = new TextEncoder().encode(text);
    const startedAt = this.now();
    let attempts = 0;
    const call = (node: NodeId, signal: AbortSignal) => {
      attempts++;
      return client.rpc.request(node, payload, signal);
    };
    let work: Promise<unknown>;
    if (client.router !== undefined) {
      work = client.router.execute((endpoint, signal) => call(endpoint.id, signal));
    } else {
      const node = this.nodes[client.roundRobin++ % this.nodes.length] as SimNode;
      const deadline = createDeadline(CALL_TIMEOUT_MS, { clock: this.sim.clock });
      work = call(node.id, deadline.signal).finally(() => deadline.dispose());
    }
    work.then(
      () => this.log.record({ startedAt, endedAt: this.now(), outcome: 'ok', attempts }),
      (error: unknown) =>
        this.log.record({
          startedAt,
          endedAt: this.now(),
          outcome: (error as { code?: string }).code === 'ERR_PALISADE_DEADLINE_EXCEEDED' ? 'unknown' : 'failed',
          attempts,
        }),
    );
  }

  /** A node executes a request: it notices nothing if the request was changed on the way, but the simulation does. */
  #execute(node: NodeId, payload: Uint8Array): Uint8Array {
    const text = new TextDecoder().decode(payload);
    const op = text.split(' ')[1] ?? '';
    if (this.#sent.get(op) !== text) this.corrupted++;
    else if (this.#executed.has(`${node} ${op}`)) this.duplicated++;
    this.#executed.add(`${node} ${op}`);
    return new TextEncoder().encode(`done ${op}`);
  }
}
