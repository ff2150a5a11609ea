import { cancellationError, EventEmitter, onAbort } from '@palisade/core';
import type { Network, NodeId, Packet, Receiver } from './network.ts';

/**
 * Turns a frame into wire bytes and back. The plain codec sends frames as
 * they are; the secure codec (messaging lessons) seals them in a session.
 * `open` throws when it rejects the bytes (tampered, replayed, forged).
 */
export interface FrameCodec {
  seal(peer: NodeId, frame: Uint8Array): Uint8Array;
  open(peer: NodeId, bytes: Uint8Array): Uint8Array;
}

export const plainCodec: FrameCodec = { seal: (_peer, frame) => frame, open: (_peer, bytes) => bytes };

/** The destination was down: the request failed fast, as with a TCP reset. */
export class ConnectionRefusedError extends Error {
  override readonly name = 'ConnectionRefusedError';
  readonly node: NodeId;
  constructor(node: NodeId) {
    super(`${node} refused the connection (it is down)`);
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

export type RequestHandler = (from: NodeId, payload: Uint8Array) => Promise<Uint8Array>;

export interface RejectedFrame {
  readonly from: NodeId;
  readonly error: unknown;
}

const REQUEST = 0;
const RESPONSE = 1;
const FAILURE = 2;

interface Pending {
  readonly to: NodeId;
  packetId: number;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
}

/** Request/response over the datagram network, one per node. */
export class RpcPeer implements Receiver {
  readonly id: NodeId;
  readonly #network: Network;
  readonly #pending = new Map<number, Pending>();
  readonly #rejectedEmitter = new EventEmitter<RejectedFrame>();
  #codec: FrameCodec;
  #handler: RequestHandler | undefined;
  #nextId = 1;

  /** A frame the codec refused: tampered, replayed or forged. */
  readonly onRejected = this.#rejectedEmitter.addListener;

  constructor(network: Network, id: NodeId, options: { codec?: FrameCodec; handler?: RequestHandler } = {}) {
    this.#network = network;
    this.id = id;
    this.#codec = options.codec ?? plainCodec;
    this.#handler = options.handler;
  }

  set codec(codec: FrameCodec) {
    this.#codec = codec;
  }

  set handler(handler: RequestHandler | undefined) {
    this.#handler = handler;
  }

  /** Sends `payload` to `to` and resolves with the reply. Settles at once on abort. */
  request(to: NodeId, payload: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) return Promise.reject(cancellationError(signal));
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const listening = onAbort(signal, () => {
        this.#pending.delete(id);
        reject(cancellationError(signal as AbortSignal));
      });
      const pending: Pending = {
        to,
        packetId: 0,
        resolve: (reply) => {
          listening.dispose();
          resolve(reply);
        },
        reject: (error) => {
          listening.dispose();
          reject(error);
        },
      };
      this.#pending.set(id, pending);
      pending.packetId = this.#network.send(this.id, to, this.#codec.seal(to, frame(REQUEST, id, payload)));
    });
  }

  receive(packet: Packet): void {
    let plain: Uint8Array;
    try {
      plain = this.#codec.open(packet.from, packet.bytes);
    } catch (error) {
      if (this.#rejectedEmitter.size > 0) this.#rejectedEmitter.emit({ from: packet.from, error });
      return;
    }
    if (plain.length < 5) return;
    const kind = plain[0];
    const id = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(1);
    const payload = plain.subarray(5);
    if (kind === REQUEST) return void this.#serve(packet.from, id, payload);
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.to !== packet.from) return;
    this.#pending.delete(id);
    if (kind === RESPONSE) pending.resolve(payload);
    else pending.reject(new RemoteError(packet.from, new TextDecoder().decode(payload)));
  }

  refused(packet: Packet): void {
    for (const [id, pending] of this.#pending) {
      if (pending.packetId === packet.id) {
        this.#pending.delete(id);
        pending.reject(new ConnectionRefusedError(packet.to));
        return;
      }
    }
  }

  async #serve(from: NodeId, id: number, payload: Uint8Array): Promise<void> {
    const handler = this.#handler;
    let reply: Uint8Array;
    try {
      if (handler === undefined) throw new Error('no service here');
      reply = frame(RESPONSE, id, await handler(from, payload));
    } catch (error) {
      reply = frame(FAILURE, id, new TextEncoder().encode(error instanceof Error ? error.message : String(error)));
    }
    if (this.#network.isAttached(this.id)) this.#network.send(this.id, from, this.#codec.seal(from, reply));
  }
}

function frame(kind: number, id: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + payload.length);
  bytes[0] = kind;
  new DataView(bytes.buffer).setUint32(1, id);
  bytes.set(payload, 5);
  return bytes;
}
