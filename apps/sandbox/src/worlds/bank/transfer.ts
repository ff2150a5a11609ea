/**
 * A money transfer between branches, as it travels: one line of text, so
 * that anyone reading the wire can see exactly what a plaintext message
 * gives away.
 *
 *   TX tx-a-17 transfer 250 from branch-a/acct-3 to branch-c/acct-8
 *
 * With access tokens on, the line carries the sender's token after it.
 */
export interface Transfer {
  readonly tx: string;
  readonly amount: number;
  readonly fromBranch: string;
  readonly fromAccount: string;
  readonly toBranch: string;
  readonly toAccount: string;
  /** The capability token, base64url, where tokens are in use. */
  readonly token?: string;
}

/** The marker a reader of the wire looks for: if it can see this, it can read transfers. */
export const PLAINTEXT_MARKER = ' transfer ';

export function encodeTransfer(transfer: Transfer): Uint8Array {
  const line = `TX ${transfer.tx} transfer ${transfer.amount} from ${transfer.fromBranch}/${transfer.fromAccount} to ${transfer.toBranch}/${transfer.toAccount}`;
  return new TextEncoder().encode(transfer.token === undefined ? line : `${line} token ${transfer.token}`);
}

const pattern = /^TX (\S+) transfer (\d+) from ([\w-]+)\/([\w-]+) to ([\w-]+)\/([\w-]+)(?: token (\S+))?$/;

/** Undefined for anything that is not a well-formed transfer. */
export function decodeTransfer(bytes: Uint8Array): Transfer | undefined {
  const match = pattern.exec(new TextDecoder().decode(bytes));
  if (match === null) return undefined;
  const [, tx, amount, fromBranch, fromAccount, toBranch, toAccount, token] = match as unknown as string[];
  return {
    tx: tx as string,
    amount: Number(amount),
    fromBranch: fromBranch as string,
    fromAccount: fromAccount as string,
    toBranch: toBranch as string,
    toAccount: toAccount as string,
    ...(token === undefined ? {} : { token }),
  };
}

/** The business content of a transfer, without the token: what must not change in transit. */
export function transferContent(transfer: Transfer): string {
  return `${transfer.tx} ${transfer.amount} ${transfer.fromBranch}/${transfer.fromAccount} ${transfer.toBranch}/${transfer.toAccount}`;
}

/**
 * How a transfer that a branch applied compares with what was really sent:
 * `genuine`; `tampered` (changed on the way); `replayed` (applied before);
 * `forged` (never sent by a branch).
 */
export type Provenance = 'genuine' | 'tampered' | 'replayed' | 'forged';

/**
 * The bank's book of what branches really sent. Only the simulation can
 * keep it (it sees every branch's intent); the lessons use it to tell which
 * attacks got through.
 */
export class TransferRegistry {
  readonly #sent = new Map<string, string>();
  readonly #applied = new Set<string>();

  sent(transfer: Transfer): void {
    this.#sent.set(transfer.tx, transferContent(transfer));
  }

  /** Classifies a transfer a branch is about to apply, and remembers it as applied. */
  apply(transfer: Transfer): Provenance {
    const genuine = this.#sent.get(transfer.tx);
    const applied = this.#applied.has(transfer.tx);
    this.#applied.add(transfer.tx);
    if (genuine === undefined) return 'forged';
    if (applied) return 'replayed';
    return genuine === transferContent(transfer) ? 'genuine' : 'tampered';
  }
}
