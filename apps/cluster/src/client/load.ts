import { delay } from '@palisade/core';
import type { Identity } from '@palisade/messaging';
import type { Transfer } from '../bank/transfer.ts';
import { signTransfer } from './orders.ts';
import type { Acknowledgement, CallRecord, ClientReport, RequestedTransfer } from './report.ts';

export interface LoadOptions {
  readonly customer: Identity;
  /** The accounts this customer sends from. */
  readonly accounts: readonly string[];
  /** Hands a transfer in; resolves true once a branch acknowledged it. */
  readonly submit: (transfer: Transfer) => Promise<boolean>;
  readonly rate: number;
  readonly random: () => number;
}

/** How often one transfer is handed in before the client gives up on it: bounded, like every loop here. */
const MAX_TRIES = 600;

/**
 * A customer at work: a few transfers a second out of its accounts, to
 * anyone's. The transfers of one account are handed in one at a time, each
 * only after the previous one was acknowledged, so the order in which the
 * queue stores them is the customer's order (what "per-account order"
 * checks). A transfer that was not acknowledged is handed in again, with
 * the same id, until it is: a branch that already stored it does not store
 * it twice.
 */
export class Load {
  readonly #options: LoadOptions;
  readonly #destinations: string[] = [];
  readonly #nextSeq = new Map<string, number>();
  readonly #busy = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #count = 0;
  #stopped = false;
  #created: RequestedTransfer[] = [];
  #acknowledged: Acknowledgement[] = [];
  #calls: CallRecord[] = [];

  constructor(options: LoadOptions, destinations: readonly string[]) {
    this.#options = options;
    this.addDestinations(destinations);
  }

  addDestinations(accounts: readonly string[]): void {
    for (const account of accounts) if (!this.#destinations.includes(account)) this.#destinations.push(account);
  }

  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.#tick(), 1_000 / this.#options.rate);
  }

  /** Stops making new transfers; resolves once every one in hand was acknowledged or given up (at most `within` ms). */
  async pause(within = 30_000): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const deadline = Date.now() + within;
    while (this.#busy.size > 0 && Date.now() < deadline) await delay(50);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.pause(5_000);
  }

  report(): ClientReport {
    const report = {
      created: this.#created,
      acknowledged: this.#acknowledged,
      calls: this.#calls,
      pending: this.#busy.size,
    };
    this.#created = [];
    this.#acknowledged = [];
    this.#calls = [];
    return report;
  }

  #tick(): void {
    const { accounts, random } = this.#options;
    const idle = accounts.filter((account) => !this.#busy.has(account));
    if (idle.length === 0 || this.#destinations.length < 2) return;
    const from = idle[Math.floor(random() * idle.length)] as string;
    let to = from;
    while (to === from) to = this.#destinations[Math.floor(random() * this.#destinations.length)] as string;
    const seq = (this.#nextSeq.get(from) ?? 0) + 1;
    this.#nextSeq.set(from, seq);
    const { customer } = this.#options;
    const id = `${customer.nodeId}.${++this.#count}`;
    const amount = 1 + Math.floor(random() * 20);
    const transfer = signTransfer(customer, { id, from, to, amount, seq });
    this.#created.push({ id, from, to, amount, seq, customer: customer.nodeId, at: Date.now() });
    this.#busy.add(from);
    void this.#handIn(transfer).finally(() => this.#busy.delete(from));
  }

  async #handIn(transfer: Transfer): Promise<void> {
    for (let tries = 0; tries < MAX_TRIES && !this.#stopped; tries++) {
      const at = Date.now();
      const ok = await this.#options.submit(transfer).catch(() => false);
      const now = Date.now();
      this.#calls.push({ at, duration: now - at, ok });
      if (ok) {
        this.#acknowledged.push({ id: transfer.id, at: now });
        return;
      }
      await delay(Math.min(1_000, 100 * (tries + 1)));
    }
  }
}
