import { hashKey, QueueFullError, ShardedQueue } from '@palisade/queue';
import type { Action, Counter, NodeView, RingView, TourRow } from '../../lessons/lesson.ts';
import { NetworkEndpoint } from '../../sim/endpoint.ts';
import type { NodeId } from '../../sim/network.ts';
import { SimNode } from '../../sim/node.ts';
import { startPoissonLoad } from '../../sim/poisson-load.ts';
import { RpcPeer } from '../../sim/rpc.ts';
import type { Cancel } from '../../sim/simulation.ts';
import { Timeline } from '../../sim/timeline.ts';
import { BaseWorld } from '../base-world.ts';

export interface ShardWorldOptions {
  /** Shards (and nodes) at the start. */
  readonly shards?: number;
  /** Requests per second at the start. */
  readonly rps?: number;
  /** Distinct keys (users). */
  readonly keys?: number;
  /** Requests a node serves at once. */
  readonly workersPerNode?: number;
  /** Mean service time of one request, in ms. */
  readonly serviceMs?: number;
}

const GATEWAY = 'gateway';
const RING_SAMPLE = 160;
const MOVE_SAMPLE = 4_096;

/**
 * A service that spreads requests over nodes by user key. With palisade,
 * `@palisade/queue` routes each key to a shard by rendezvous hashing, runs a
 * key's requests in order, one at a time, and moves a key to a new shard
 * only once its old shard has finished with it. Without it, the gateway
 * sends each request straight to node `hash(key) mod n`: adding a node moves
 * most keys, and nothing keeps a key's requests in order.
 */
export class ShardWorld extends BaseWorld {
  readonly nodes: SimNode[] = [];
  readonly #gateway: RpcPeer;
  readonly #queue: ShardedQueue<string> | undefined;
  readonly #shardNode = new Map<number, SimNode>();
  readonly #keys: number;
  readonly #workers: number;
  readonly #serviceMs: number;
  readonly #arrivals: () => number;
  readonly #sequence = new Map<string, number>();
  readonly #applied = new Map<string, number>();
  readonly #ringKeys: string[];
  #ringOwners: string[] = [];
  #ringMoved: boolean[] = [];
  #rps: number;
  #stopLoad: Cancel | undefined;
  #nextNodeNumber = 0;
  #keysMoved: number | undefined;
  #orderViolations = 0;
  /** The offered load over time, for challenges that ask since when it has been high. */
  readonly load: Timeline<number>;

  constructor(seed: number, palisade: boolean, options: ShardWorldOptions = {}) {
    super(seed, palisade, { latencyMs: 2, jitterMs: 1, loss: 0 });
    this.#keys = options.keys ?? 10_000;
    this.#workers = options.workersPerNode ?? 4;
    this.#serviceMs = options.serviceMs ?? 20;
    this.#rps = options.rps ?? 100;
    this.load = new Timeline(this.#rps);
    this.#arrivals = this.sim.stream('load');
    const endpoint = new NetworkEndpoint(this.network, GATEWAY);
    this.network.attach(GATEWAY, endpoint);
    this.#gateway = new RpcPeer(endpoint);
    this.#ringKeys = Array.from(
      { length: RING_SAMPLE },
      (_, i) => `user-${Math.floor((i * this.#keys) / RING_SAMPLE)}`,
    );

    const shards = options.shards ?? 2;
    if (palisade) {
      // A queue slot is busy for the round trip as well as the service, so
      // each shard keeps twice the node's workers in flight to keep it busy.
      this.#queue = new ShardedQueue<string>({ shards, concurrency: 2 * this.#workers, clock: this.sim.clock });
      for (const shardId of this.#queue.shardIds) this.#shardNode.set(shardId, this.#addNode());
      this.#queue.onResize(({ movedFraction }) => {
        this.#keysMoved = movedFraction;
      });
    } else {
      for (let i = 0; i < shards; i++) this.#addNode();
    }
    this.#ringOwners = this.#ringKeys.map((key) => this.#ownerOf(key));
    this.#ringMoved = this.#ringKeys.map(() => false);
    this.#startLoad();
  }

  get rps(): number {
    return this.#rps;
  }

  /** Share of keys the last resize moved, 0 to 1. */
  get keysMoved(): number | undefined {
    return this.#keysMoved;
  }

  /** Requests of one key that ran after a later request of the same key. */
  get orderViolations(): number {
    return this.#orderViolations;
  }

  apply(action: Action): boolean {
    switch (action.type) {
      case 'load': {
        const rps = Math.max(1, action.rps);
        if (rps === this.#rps) return false;
        this.#rps = rps;
        this.load.set(this.now(), rps);
        this.#startLoad();
        return true;
      }
      case 'add-node':
        return this.#resize(+1);
      case 'remove-node':
        return this.#resize(-1);
      default:
        return false;
    }
  }

  protected nodeViews(): NodeView[] {
    const stats = this.#queue?.stats();
    const views: NodeView[] = this.nodes.map((node) => {
      const shardId = [...this.#shardNode].find(([, n]) => n === node)?.[0];
      const shard = stats?.shards.find((s) => s.id === shardId);
      const waiting = shard === undefined ? 0 : shard.size;
      return {
        id: node.id,
        kind: 'shard',
        state: node.status === 'down' ? 'down' : 'up',
        load: node.load + waiting,
        note: shard === undefined ? `${node.load} queued` : `shard ${shardId}: ${waiting} waiting`,
      };
    });
    views.unshift({ id: GATEWAY, kind: 'client', state: 'up', load: 0, note: `${this.#rps} requests/s` });
    return views;
  }

  protected linkPairs(): Array<readonly [NodeId, NodeId]> {
    return this.nodes.map((node) => [GATEWAY, node.id] as const);
  }

  protected override ring(): RingView {
    const ids = this.nodes.map((node) => node.id);
    return {
      shards: ids.map((id, index) => ({ id, position: index / ids.length })),
      keys: this.#ringKeys.map((key, index) => ({
        position: hashKey(key) / 2 ** 32,
        shard: this.#ringOwners[index] as string,
        moved: this.#ringMoved[index] === true,
      })),
      movedShare: this.#keysMoved ?? 0,
    };
  }

  /** The tour's row: the last seconds of the run, and the keys the last resize moved. */
  tourRow(): TourRow {
    const summary = this.log.window(this.now() - 5_000, this.now() - 1_000);
    return {
      successRate: summary.successRate,
      p99: summary.p99,
      ...(this.keysMoved === undefined ? {} : { keysMoved: this.keysMoved }),
    };
  }

  protected override offeredLoad(): number {
    return this.#rps;
  }

  protected counters(): Counter[] {
    const now = this.now();
    const lastSecond = this.log.window(now - 2_000, now - 1_000);
    return [
      { label: 'nodes', value: this.nodes.length },
      { label: 'load', value: `${this.#rps} requests/s` },
      { label: 'served last second', value: lastSecond.ok, tone: 'good' },
      { label: 'p99 last second', value: `${lastSecond.p99.toFixed(0)} ms` },
      {
        label: 'keys moved by the last resize',
        value: this.#keysMoved === undefined ? '–' : `${(this.#keysMoved * 100).toFixed(0)}%`,
      },
      { label: 'requests run out of order', value: this.#orderViolations, tone: 'bad' },
    ];
  }

  #addNode(): SimNode {
    const node = new SimNode(this.sim, this.network, {
      id: `node-${++this.#nextNodeNumber}`,
      workers: this.#workers,
      serviceMs: this.#serviceMs,
      maxQueue: 10_000,
    });
    this.nodes.push(node);
    return node;
  }

  #resize(delta: number): boolean {
    if (delta < 0 && this.nodes.length <= 1) return false;
    const sampleBefore = this.palisade ? undefined : this.#sampleOwners();
    if (this.#queue !== undefined) {
      if (delta > 0) this.#shardNode.set(this.#queue.addShard(), this.#addNode());
      else {
        const shardId = this.#queue.shardIds[this.#queue.shardIds.length - 1] as number;
        this.#queue.removeShard(shardId);
        // The shard finishes what it holds before it retires, so its node
        // keeps serving; it only leaves the picture.
        const node = this.#shardNode.get(shardId) as SimNode;
        this.nodes.splice(this.nodes.indexOf(node), 1);
      }
    } else if (delta > 0) this.#addNode();
    else this.nodes.pop();
    if (sampleBefore !== undefined) {
      const after = this.#sampleOwners();
      this.#keysMoved = after.filter((owner, i) => owner !== sampleBefore[i]).length / after.length;
    }
    const owners = this.#ringKeys.map((key) => this.#ownerOf(key));
    this.#ringMoved = owners.map((owner, i) => owner !== this.#ringOwners[i]);
    this.#ringOwners = owners;
    return true;
  }

  #sampleOwners(): string[] {
    return Array.from({ length: MOVE_SAMPLE }, (_, i) => this.#ownerOf(`user-${i}`));
  }

  #ownerOf(key: string): string {
    if (this.#queue !== undefined) return this.#shardNode.get(this.#queue.shardFor(key))?.id ?? '?';
    return (this.nodes[hashKey(key) % this.nodes.length] as SimNode).id;
  }

  #startLoad(): void {
    this.#stopLoad?.();
    this.#stopLoad = startPoissonLoad(this.sim, this.#arrivals, this.#rps, () => this.#request());
  }

  #request(): void {
    const key = `user-${Math.floor(this.#arrivals() * this.#keys)}`;
    const sequence = (this.#sequence.get(key) ?? 0) + 1;
    this.#sequence.set(key, sequence);
    const startedAt = this.now();
    const payload = new TextEncoder().encode(key);
    const run = (node: SimNode): Promise<unknown> =>
      this.#gateway.request(node.id, payload).then(() => this.#applyInOrder(key, sequence));
    const work =
      this.#queue !== undefined
        ? this.#queue.add(key, ({ shardId }) => run(this.#shardNode.get(shardId) as SimNode))
        : run(this.nodes[hashKey(key) % this.nodes.length] as SimNode);
    work.then(
      () => this.log.record({ startedAt, endedAt: this.now(), outcome: 'ok', attempts: 1 }),
      (error: unknown) =>
        this.log.record({
          startedAt,
          endedAt: this.now(),
          outcome: error instanceof QueueFullError ? 'failed' : 'unknown',
          attempts: 1,
        }),
    );
  }

  /** A key's requests must take effect in the order they were made: think of a bank balance. */
  #applyInOrder(key: string, sequence: number): void {
    if (sequence < (this.#applied.get(key) ?? 0)) this.#orderViolations++;
    else this.#applied.set(key, sequence);
  }
}
