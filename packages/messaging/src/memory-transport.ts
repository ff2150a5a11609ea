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

/** Runs a message's delivery: on a microtask for a memory link, later on a clock for a slow one. */
type Schedule = (deliver: () => void) => void;

/** Delivery on a microtask, so that a send never re-enters the receiver's handler. */
const onMicrotask: Schedule = (deliver) => queueMicrotask(deliver);

class MemoryEnd implements Transport {
  readonly #received = new SafeEventEmitter<Uint8Array>();
  readonly #closedEmitter = new SafeEventEmitter<void>();
  readonly onReceive: Event<Uint8Array> = this.#received.addListener;
  readonly onClose: Event<void> = this.#closedEmitter.addListener;
  peer: MemoryEnd | undefined;
  readonly side: LinkSide;
  readonly #intercept: Intercept | undefined;
  readonly #schedule: Schedule;
  #closed = false;

  constructor(side: LinkSide, intercept: Intercept | undefined, schedule: Schedule) {
    this.side = side;
    this.#intercept = intercept;
    this.#schedule = schedule;
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    // Copy so neither side can mutate what the other received.
    const copy = Uint8Array.from(bytes);
    const delivered = this.#intercept === undefined ? copy : this.#intercept(copy, this.side);
    const messages = delivered === undefined ? [] : delivered instanceof Uint8Array ? [delivered] : delivered;
    for (const message of messages) {
      this.#schedule(() => this.peer?.deliver(message));
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
  return linkedEnds(intercept, onMicrotask);
}

/**
 * Two connected ends whose messages go through `intercept`, then arrive when
 * `schedule` runs them. Not exported from the package: the tests' slow links
 * are built on it.
 */
export function linkedEnds(intercept: Intercept | undefined, schedule: Schedule): [Transport, Transport] {
  const a = new MemoryEnd('a', intercept, schedule);
  const b = new MemoryEnd('b', intercept, schedule);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
