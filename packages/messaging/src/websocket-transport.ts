import type { Event } from '@palisade/core';
import { SafeEventEmitter } from '@palisade/core/internal';
import { MalformedMessageError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * The part of a WebSocket the adapter uses. The browser's `WebSocket`,
 * Node 22's global `WebSocket` and the `ws` package's all fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const CONNECTING = 0;
const OPEN = 1;

/**
 * A `Transport` over a WebSocket: one binary WebSocket message per palisade
 * message. Sends made while the socket is still connecting are queued.
 */
export function webSocketTransport(socket: WebSocketLike): Transport {
  const received = new SafeEventEmitter<Uint8Array>();
  const closed = new SafeEventEmitter<void>();
  const errors = new SafeEventEmitter<Error>();
  const pending: Uint8Array[] = [];
  let isClosed = false;
  // Blob payloads are read asynchronously; chaining keeps arrival order.
  let delivery: Promise<void> = Promise.resolve();

  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () => {
    for (const bytes of pending.splice(0)) socket.send(bytes);
  });
  socket.addEventListener('message', (event) => {
    const data = event.data;
    if (data instanceof ArrayBuffer) received.emit(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) received.emit(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      delivery = delivery.then(async () => received.emit(new Uint8Array(await data.arrayBuffer())));
    } else errors.emit(new MalformedMessageError('WebSocket message', 'text-frame'));
  });
  const onClosed = (): void => {
    if (isClosed) return;
    isClosed = true;
    pending.length = 0;
    closed.emit();
  };
  socket.addEventListener('close', onClosed);
  socket.addEventListener('error', onClosed);

  return {
    onReceive: received.addListener as Event<Uint8Array>,
    onClose: closed.addListener as Event<void>,
    onError: errors.addListener as Event<Error>,
    send(bytes: Uint8Array) {
      if (isClosed) return;
      if (socket.readyState === CONNECTING) pending.push(bytes);
      else if (socket.readyState === OPEN) socket.send(bytes);
    },
    close() {
      socket.close(1000, 'closed by palisade');
      onClosed();
    },
  };
}
