import type { InspectedMessage } from '../../lessons/lesson.ts';
import type { NodeId } from '../../sim/network.ts';
import type { Arrival } from '../../sim/pipe.ts';
import { decodeTransfer, type Provenance } from './transfer.ts';

/** Transfers the inspector waits to hear about: one refused before it was applied never would. */
const AWAITING_KEPT = 200;

type Inspected = { -readonly [K in keyof InspectedMessage]: InspectedMessage[K] };

/**
 * Turns arrivals into the inspector's messages, and tells each transfer
 * what the receiver applied it as once it has (a worker gets to it a few
 * ms after it arrives): genuine, or an attack a plain branch swallowed.
 */
export class TransferInspector {
  readonly #awaiting = new Map<string, Inspected[]>();

  /** The message to show for an arrival; `readable` when it crossed the wire unsealed. */
  arrived(arrival: Arrival, at: number, readable: boolean): InspectedMessage {
    const delivered =
      arrival.delivered === undefined ? undefined : new TextDecoder().decode(arrival.delivered.subarray(5));
    const message: Inspected = {
      at,
      from: arrival.from,
      to: arrival.to,
      wire: arrival.wire,
      delivered,
      verdict: arrival.verdict,
      readable,
    };
    const transfer = delivered === undefined ? undefined : decodeTransfer(new TextEncoder().encode(delivered));
    if (transfer !== undefined) {
      const key = `${arrival.to} ${transfer.tx}`;
      const waiting = this.#awaiting.get(key) ?? [];
      waiting.push(message);
      this.#awaiting.set(key, waiting);
      if (this.#awaiting.size > AWAITING_KEPT) this.#awaiting.delete(this.#awaiting.keys().next().value as string);
    }
    return message;
  }

  /** `receiver` applied transaction `tx` as `provenance`: the oldest arrival of it learns so. */
  applied(receiver: NodeId, tx: string, provenance: Provenance): void {
    const key = `${receiver} ${tx}`;
    const waiting = this.#awaiting.get(key);
    const arrival = waiting?.shift();
    if (arrival !== undefined) arrival.provenance = provenance;
    if (waiting?.length === 0) this.#awaiting.delete(key);
  }
}
