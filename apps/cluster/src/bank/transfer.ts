/**
 * A transfer as every process sees it: what the customer asked for, with
 * the customer's signed order (a capability token) that lets the source
 * account's branch apply exactly this transfer and nothing else.
 */
export interface Transfer {
  /** Unique over the run: `<customer>.<n>`; also the queue job's id. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Whole units, at least 1. */
  readonly amount: number;
  /** The customer's sequence number for transfers out of `from`: 1, 2, 3… */
  readonly seq: number;
  readonly customer: string;
  /** The order: a token issued by `customer`, audience the home branch of `from`, base64. */
  readonly order: string;
}

/** What applying a transfer came to, as the ledger records it. */
export type Outcome = 'applied' | 'declined';

/** The one right an order grants: this transfer, from this account, this amount, at this place in the customer's sequence. */
export function orderRight(transfer: Pick<Transfer, 'id' | 'from' | 'to' | 'amount' | 'seq'>): string {
  return `transfer:orders/${transfer.id}/${transfer.from}/${transfer.to}/${transfer.amount}/${transfer.seq}`;
}

const idPattern = /^customer-[0-9]+\.[0-9]+$/;
const accountPattern = /^b[0-9]+-[0-9]+$/;

/** Checks the shape of a transfer that came from outside the process; undefined if it is not one. */
export function parseTransfer(value: unknown): Transfer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, from, to, amount, seq, customer, order } = value as Record<string, unknown>;
  if (typeof id !== 'string' || !idPattern.test(id)) return undefined;
  if (typeof from !== 'string' || !accountPattern.test(from)) return undefined;
  if (typeof to !== 'string' || !accountPattern.test(to) || to === from) return undefined;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof customer !== 'string' || !id.startsWith(`${customer}.`)) return undefined;
  if (typeof order !== 'string' || order.length === 0 || order.length > 4096) return undefined;
  return { id, from, to, amount, seq, customer, order };
}
