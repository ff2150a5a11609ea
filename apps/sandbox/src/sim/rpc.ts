import { cancellationError, type IDisposable, onAbort } from '@palisade/core';
import type { NetworkEndpoint } from './endpoint.ts';
import type { NodeId } from './network.ts';
import { type Connector, type MessagePipe, plainConnector } from './pipe.ts';

const defaultConnector = plainConnector();

/** The destination was down: the request failed fast, as with a TCP reset. */
export class ConnectionRefusedError extends Error {
  override readonly name = 'ConnectionRefusedError';
  readonly node: NodeId;
  constructor(node: NodeId) {
    super(`${node} refused the connection (it is down)`);
    this.node = node;
  }
}

/** The connection closed under the request: the channel was refused or revoked. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly node: NodeId;
  constructor(node: NodeId) {
    super(`the connection to ${node} closed`);
    this.node = node;
  }
}

/** The server answered with an error, for example because it is overloaded. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly node: NodeId;
  constructor(node: NodeId, message: string) {
    super(`${node}: ${message}`);
    this.node = node;
  }
}

/**
 * Serves one request. `from` is the network address it came from; `peer` is
 * who the sender proved to be over a secure channel, or undefined over
 * plaintext, where the claimed address is all there is.
 */
export type RequestHandler = (request: {
  readonly from: NodeId;
  readonly peer: string | undefined;
  readonly payload: Uint8Array;
}) => Promise<Uint8Array>;

const REQUEST = 0;
const RESPONSE = 1;
const FAILURE = 2;

interface Pending {
  readonly to: NodeId;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
}

interface Connection {
  readonly pipe: MessagePipe;
  readonly subscriptions: readonly IDisposable[];
}

/**
 * Request/response between nodes, over one message pipe per peer. Whether a
 * pipe is plaintext or a secure channel is the connector's business.
 */
export class RpcPeer {
  readonly #endpoint: NetworkEndpoint;
  readonly #pending = new Map<number, Pending>();
  readonly #connections = new Map<NodeId, Connection>();
  #connector: Connector;
  #handler: RequestHandler | undefined;
  #nextId = 1;

  constructor(endpoint: NetworkEndpoint, options: { connector?: Connector; handler?: RequestHandler } = {}) {
    this.#endpoint = endpoint;
    this.#connector = options.connector ?? defaultConnector;
    this.#handler = options.handler;
    endpoint.onPeer((transport) => this.#connect(transport.peer, false));
    endpoint.onRefused((peer) => this.#dropPeer(peer, new ConnectionRefusedError(peer)));
  }

  get id(): NodeId {
    return this.#endpoint.id;
  }

  /** Switches between plaintext and secure channels; open connections are dropped and reopened on demand. */
  setConnector(connector: Connector): void {
    this.#connector = connector;
    for (const peer of [...this.#connections.keys()]) this.#dropPeer(peer, new ConnectionClosedError(peer));
    this.#endpoint.reset();
  }

  /** Sends a request without waiting for, or caring about, an answer. */
  fire(to: NodeId, payload: Uint8Array): void {
    const { pipe } = this.#connections.get(to) ?? this.#connect(to, true);
    pipe.send(frame(REQUEST, this.#nextId++, payload));
  }

  /** Sends `payload` to `to` and resolves with the reply. Settles at once on abort. */
  request(to: NodeId, payload: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) return Promise.reject(cancellationError(signal));
    const id = this.#nextId++;
    const { pipe } = this.#connections.get(to) ?? this.#connect(to, true);
    return new Promise<Uint8Array>((resolve, reject) => {
      const listening = onAbort(signal, () => {
        this.#pending.delete(id);
        reject(cancellationError(signal as AbortSignal));
      });
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          listening.dispose();
          fn(value);
        };
      this.#pending.set(id, { to, resolve: settle(resolve), reject: settle(reject) });
      pipe.send(frame(REQUEST, id, payload));
    });
  }

  /** Forgets every connection, as a crash does; requests in flight never hear back. */
  reset(): void {
    for (const { pipe, subscriptions } of this.#connections.values()) {
      for (const subscription of subscriptions) subscription.dispose();
      pipe.close();
    }
    this.#connections.clear();
    this.#pending.clear();
    this.#endpoint.reset();
  }

  #connect(peer: NodeId, initiator: boolean): Connection {
    const pipe = this.#connector.open(this.#endpoint.transport(peer), initiator);
    const connection: Connection = {
      pipe,
      subscriptions: [
        pipe.onMessage((bytes) => this.#receive(peer, bytes)),
        pipe.onClose(() => {
          if (this.#connections.get(peer) === connection) this.#dropPeer(peer, new ConnectionClosedError(peer));
        }),
      ],
    };
    this.#connections.set(peer, connection);
    return connection;
  }

  #dropPeer(peer: NodeId, error: Error): void {
    const connection = this.#connections.get(peer);
    if (connection !== undefined) {
      this.#connections.delete(peer);
      for (const subscription of connection.subscriptions) subscription.dispose();
      connection.pipe.close();
    }
    for (const [id, pending] of this.#pending) {
      if (pending.to !== peer) continue;
      this.#pending.delete(id);
      pending.reject(error);
    }
  }

  #receive(from: NodeId, bytes: Uint8Array): void {
    if (bytes.length < 5) return;
    const kind = bytes[0];
    const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
    const payload = bytes.subarray(5);
    if (kind === REQUEST) return void this.#serve(from, id, payload);
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.to !== from) return;
    this.#pending.delete(id);
    if (kind === RESPONSE) pending.resolve(payload);
    else pending.reject(new RemoteError(from, new TextDecoder().decode(payload)));
  }

  async #serve(from: NodeId, id: number, payload: Uint8Array): Promise<void> {
    let reply: Uint8Array;
    try {
      if (this.#handler === undefined) throw new Error('no service here');
      const peer = this.#connections.get(from)?.pipe.authenticatedPeer();
      reply = frame(RESPONSE, id, await this.#handler({ from, peer, payload }));
    } catch (error) {
      reply = frame(FAILURE, id, new TextEncoder().encode(error instanceof Error ? error.message : String(error)));
    }
    this.#connections.get(from)?.pipe.send(reply);
  }
}

/** A request frame as the RPC layer puts it on a plaintext wire: what a spoofer forges. */
export function requestFrame(id: number, payload: Uint8Array): Uint8Array {
  return frame(REQUEST, id, payload);
}

function frame(kind: number, id: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + payload.length);
  bytes[0] = kind;
  new DataView(bytes.buffer).setUint32(1, id);
  bytes.set(payload, 5);
  return bytes;
}
