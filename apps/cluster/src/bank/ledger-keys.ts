/**
 * Where the ledger lives in Redis. Every key carries the hash tag `{ledger}`
 * so that one script can touch two accounts, the outcomes and the journal
 * atomically, on a single Redis or a Cluster alike. The checker reads these
 * keys directly, without going through the code that writes them.
 */
export const ledgerKeys = {
  /** Hash per account: `balance`, and `fence`, the largest fencing token a write to it carried. */
  account: (id: string): string => `bank:{ledger}:account:${id}`,
  /** Set of every account id. */
  accounts: 'bank:{ledger}:accounts',
  /** Hash: transfer id → `applied` or `declined`, written once per transfer. */
  outcomes: 'bank:{ledger}:outcomes',
  /** Stream: one entry per write of an outcome, in the order they happened. */
  journal: 'bank:{ledger}:journal',
} as const;
