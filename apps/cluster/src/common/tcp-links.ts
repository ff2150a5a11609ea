import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { type Event, EventEmitter } from '@palisade/core';
import type { Transport } from '@palisade/messaging';
import type { Redis } from 'ioredis';
import type { Links } from './links.ts';

const DIRECTORY_KEY = 'bank:links';
const MAX_FRAME = 1 << 20;

/** One message per length-prefixed frame on a loopback TCP socket. */
function socketTransport(socket: Socket): Transport {
  const received = new EventEmitter<Uint8Array>();
  const closed = new EventEmitter<void>();
  let buffered: Buffer = Buffer.alloc(0);
  let isClosed = false;
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length > MAX_FRAME) {
        socket.destroy();
        return;
      }
      if (buffered.length < 4 + length) break;
      received.emit(new Uint8Array(buffered.subarray(4, 4 + length)));
      buffered = buffered.subarray(4 + length);
    }
  });
  const onClosed = (): void => {
    if (isClosed) return;
    isClosed = true;
    closed.emit();
  };
  socket.on('close', onClosed);
  socket.on('error', onClosed);
  return {
    onReceive: received.addListener as Event<Uint8Array>,
    onClose: closed.addListener as Event<void>,
    send(bytes) {
      if (isClosed) return;
      const header = Buffer.alloc(4);
      header.writeUInt32BE(bytes.length);
      socket.write(Buffer.concat([header, bytes]));
    },
    close() {
      socket.destroy();
      onClosed();
    },
  };
}

/**
 * Links over loopback TCP, with each node's port kept in Redis: a stand-in
 * until the Redis Streams transport (`@palisade/messaging/redis`) is on main.
 */
export class TcpLinks implements Links {
  readonly #redis: Redis;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async listen(node: string, onLink: (transport: Transport) => void): Promise<void> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      onLink(socketTransport(socket));
    });
    this.#server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    await this.#redis.hset(DIRECTORY_KEY, node, String(address.port));
  }

  async dial(_from: string, to: string): Promise<Transport> {
    const port = await this.#redis.hget(DIRECTORY_KEY, to);
    if (port === null) throw new Error(`${to} does not listen`);
    const socket = createConnection({ host: '127.0.0.1', port: Number(port) });
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    await Promise.race([
      once(socket, 'connect'),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${to} did not answer`)), 1_000).unref()),
    ]).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
    return socketTransport(socket);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}
