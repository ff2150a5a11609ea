import { NetworkEndpoint } from './endpoint.ts';
import type { Network, NodeId } from './network.ts';
import type { Connector } from './pipe.ts';
import { RpcPeer } from './rpc.ts';
import type { Simulation } from './simulation.ts';

export type NodeStatus = 'up' | 'down' | 'slow';

export interface NodeOptions {
  readonly id: NodeId;
  /** Requests served at once. */
  readonly workers?: number;
  /** Mean service time of one request in virtual ms (exponentially distributed). */
  readonly serviceMs?: number;
  /** How much slower a "slow" node serves. */
  readonly slowFactor?: number;
  /** Requests that may wait for a worker before the node sheds load. */
  readonly maxQueue?: number;
  /**
   * What the node computes for a request; throwing (or rejecting) answers with
   * an error. A handler that waits on other nodes holds no worker meanwhile:
   * the service time is the node's own work.
   */
  readonly handle?: (request: {
    from: NodeId;
    peer: string | undefined;
    payload: Uint8Array;
  }) => Uint8Array | Promise<Uint8Array>;
  /** Plaintext by default; the secure connector runs real channels. */
  readonly connector?: Connector;
}

interface Waiting {
  readonly run: () => void;
}

/**
 * A server in the simulated cluster: a queue in front of a few workers
 * (an M/M/c queue). Killing it drops it off the network and loses the work
 * in flight, as a crash would.
 */
export class SimNode {
  readonly id: NodeId;
  readonly endpoint: NetworkEndpoint;
  readonly rpc: RpcPeer;
  readonly #sim: Simulation;
  readonly #network: Network;
  readonly #random: () => number;
  readonly #workers: number;
  readonly #serviceMs: number;
  readonly #slowFactor: number;
  readonly #maxQueue: number;
  readonly #queue: Waiting[] = [];
  #status: NodeStatus = 'up';
  #busy = 0;
  #epoch = 0;
  served = 0;
  shed = 0;

  constructor(sim: Simulation, network: Network, options: NodeOptions) {
    this.id = options.id;
    this.#sim = sim;
    this.#network = network;
    this.#random = sim.stream(`service:${options.id}`);
    this.#workers = options.workers ?? 8;
    this.#serviceMs = options.serviceMs ?? 10;
    this.#slowFactor = options.slowFactor ?? 10;
    this.#maxQueue = options.maxQueue ?? 200;
    const handle = options.handle ?? (({ payload }) => payload);
    this.endpoint = new NetworkEndpoint(network, this.id);
    this.rpc = new RpcPeer(this.endpoint, {
      connector: options.connector,
      handler: (request) => this.#serve(() => handle(request)),
    });
    network.attach(this.id, this.endpoint);
  }

  get status(): NodeStatus {
    return this.#status;
  }

  /** Requests being served plus requests waiting. */
  get load(): number {
    return this.#busy + this.#queue.length;
  }

  kill(): void {
    this.#status = 'down';
    this.#epoch++;
    this.#busy = 0;
    this.#queue.length = 0;
    this.#network.detach(this.id);
    this.rpc.reset();
  }

  restart(): void {
    this.#status = 'up';
    this.#network.attach(this.id, this.endpoint);
  }

  slowDown(): void {
    if (this.#status === 'up') this.#status = 'slow';
  }

  recover(): void {
    if (this.#status === 'slow') this.#status = 'up';
  }

  #serve(compute: () => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
    if (this.#queue.length >= this.#maxQueue) {
      this.shed++;
      return Promise.reject(new Error('overloaded'));
    }
    const epoch = this.#epoch;
    return new Promise<Uint8Array>((resolve, reject) => {
      const run = (): void => {
        this.#busy++;
        const factor = this.#status === 'slow' ? this.#slowFactor : 1;
        const serviceMs = -Math.log(1 - this.#random()) * this.#serviceMs * factor;
        this.#sim.after(serviceMs, () => {
          // A crash in between loses the work: no reply, the caller times out.
          if (epoch !== this.#epoch) return;
          this.#busy--;
          this.served++;
          this.#next();
          Promise.resolve().then(compute).then(resolve, reject);
        });
      };
      if (this.#busy < this.#workers) run();
      else this.#queue.push({ run });
    });
  }

  #next(): void {
    const waiting = this.#queue.shift();
    waiting?.run();
  }
}
