import type { Clock, Event } from '@palisade/core';
import { SafeEventEmitter } from '@palisade/core/internal';
import type { Transport } from './transport.js';

/** Which end of a delayed link sent a message. */
export type DelayedLinkSide = 'a' | 'b';

class DelayedEnd implements Transport {
  readonly #received = new SafeEventEmitter<Uint8Array>();
  readonly #closedEmitter = new SafeEventEmitter<void>();
  readonly onReceive: Event<Uint8Array> = this.#received.addListener;
  readonly onClose: Event<void> = this.#closedEmitter.addListener;
  peer: DelayedEnd | undefined;
  readonly #clock: Clock;
  readonly #latency: number;
  readonly #side: DelayedLinkSide;
  readonly #sent: ((bytes: Uint8Array, from: DelayedLinkSide) => void) | undefined;
  #closed = false;

  constructor(
    clock: Clock,
    latency: number,
    side: DelayedLinkSide,
    sent: ((bytes: Uint8Array, from: DelayedLinkSide) => void) | undefined,
  ) {
    this.#clock = clock;
    this.#latency = latency;
    this.#side = side;
    this.#sent = sent;
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    const copy = Uint8Array.from(bytes);
    this.#sent?.(copy, this.#side);
    this.#clock.setTimeout(() => this.peer?.deliver(copy), this.#latency);
  }

  deliver(bytes: Uint8Array): void {
    if (!this.#closed) this.#received.emit(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedEmitter.emit();
    this.peer?.close();
  }
}

/**
 * Two connected transports that deliver every message, whole and in order,
 * `latency` ms after it was sent on `clock`: a lossless link that is slow,
 * like a loaded machine or a broker far away.
 */
export function createDelayedLink(
  clock: Clock,
  latency: number,
  options: { sent?: (bytes: Uint8Array, from: DelayedLinkSide) => void } = {},
): [Transport, Transport] {
  const a = new DelayedEnd(clock, latency, 'a', options.sent);
  const b = new DelayedEnd(clock, latency, 'b', options.sent);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
