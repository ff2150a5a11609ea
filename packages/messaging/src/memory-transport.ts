import type { Event } from '@palisade/core';
import { functionOption, optionsObject, rejectUnknownOptions, SafeEventEmitter } from '@palisade/core/internal';
import type { Transport } from './transport.js';

/** Which end sent a message through a memory link. */
export type LinkSide = 'a' | 'b';

export interface MemoryLinkOptions {
  /**
   * Sees every message in flight and decides what arrives: return the bytes
   * (possibly altered), several messages, or nothing to drop it. This is
   * where a test or a lesson puts its attacker.
   * @default deliver unchanged
   */
  readonly intercept?: (bytes: Uint8Array, from: LinkSide) => Uint8Array | readonly Uint8Array[] | undefined;
}

type Intercept = NonNullable<MemoryLinkOptions['intercept']>;

class MemoryEnd implements Transport {
  readonly #received = new SafeEventEmitter<Uint8Array>();
  readonly #closedEmitter = new SafeEventEmitter<void>();
  readonly onReceive: Event<Uint8Array> = this.#received.addListener;
  readonly onClose: Event<void> = this.#closedEmitter.addListener;
  peer: MemoryEnd | undefined;
  readonly side: LinkSide;
  readonly #intercept: Intercept | undefined;
  #closed = false;

  constructor(side: LinkSide, intercept: Intercept | undefined) {
    this.side = side;
    this.#intercept = intercept;
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    // Copy so neither side can mutate what the other received; deliver on a
    // microtask so a send never re-enters the receiver's handler.
    const copy = Uint8Array.from(bytes);
    const delivered = this.#intercept === undefined ? copy : this.#intercept(copy, this.side);
    const messages = delivered === undefined ? [] : delivered instanceof Uint8Array ? [delivered] : delivered;
    for (const message of messages) {
      queueMicrotask(() => this.peer?.deliver(message));
    }
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
 * Two connected in-memory transports. Messages arrive whole, in order, on a
 * microtask, unless `intercept` says otherwise.
 */
export function createMemoryLink(options?: MemoryLinkOptions): [Transport, Transport] {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ['intercept']);
  const intercept = given.intercept === undefined ? undefined : functionOption<Intercept>('intercept', given.intercept);
  const a = new MemoryEnd('a', intercept);
  const b = new MemoryEnd('b', intercept);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
