/**
 * The independent ledger checker. It shares no code with the branches that
 * write transfers: it reads what is in Redis (balances and the journal),
 * takes what the clients say they asked for, and works out on its own
 * whether money was made or lost, a transfer was applied twice or out of
 * order, or something was applied that no customer asked for.
 */

/** One line of the ledger's journal, as the checker reads it. */
export interface JournalEntry {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly seq: number;
  readonly customer: string;
  readonly outcome: string;
}

export interface LedgerSnapshot {
  readonly balances: ReadonlyMap<string, number>;
  readonly journal: readonly JournalEntry[];
}

/** What the clients asked for, and what the bank started with. */
export interface Expectations {
  readonly openingBalances: ReadonlyMap<string, number>;
  readonly requested: readonly { readonly id: string; readonly from: string; readonly customer: string }[];
  readonly acknowledged: ReadonlySet<string>;
}

export interface LedgerCheck {
  /** The sum of every balance, and what it must be: the sum of the opening balances. */
  readonly total: number;
  readonly expectedTotal: number;
  /** Accounts below zero. */
  readonly negative: readonly string[];
  /** Accounts whose balance is not their opening balance plus the journal's credits minus its debits. */
  readonly unbalanced: readonly string[];
  /** Transfer ids with more than one journal entry. */
  readonly appliedTwice: readonly string[];
  /** Transfer ids written after a later one of the same customer and account. */
  readonly outOfOrder: readonly string[];
  /** Acknowledged transfers the ledger has no outcome for. */
  readonly lost: readonly string[];
  /** Journal entries no client asked for. */
  readonly unrequested: readonly string[];
  /** The outcome of each transfer in the journal. */
  readonly outcomes: ReadonlyMap<string, string>;
}

export function checkLedger(snapshot: LedgerSnapshot, expectations: Expectations): LedgerCheck {
  const { balances, journal } = snapshot;
  let total = 0;
  const negative: string[] = [];
  for (const [account, balance] of balances) {
    total += balance;
    if (balance < 0) negative.push(account);
  }
  let expectedTotal = 0;
  for (const balance of expectations.openingBalances.values()) expectedTotal += balance;

  const recomputed = new Map(expectations.openingBalances);
  const seen = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const outcomes = new Map<string, string>();
  const appliedTwice = new Set<string>();
  const outOfOrder: string[] = [];
  for (const entry of journal) {
    const times = (seen.get(entry.id) ?? 0) + 1;
    seen.set(entry.id, times);
    if (times > 1) {
      appliedTwice.add(entry.id);
    } else {
      const lane = `${entry.customer} ${entry.from}`;
      const previous = lastSeq.get(lane) ?? 0;
      if (entry.seq <= previous) outOfOrder.push(entry.id);
      else lastSeq.set(lane, entry.seq);
    }
    outcomes.set(entry.id, entry.outcome);
    if (entry.outcome === 'applied') {
      recomputed.set(entry.from, (recomputed.get(entry.from) ?? 0) - entry.amount);
      recomputed.set(entry.to, (recomputed.get(entry.to) ?? 0) + entry.amount);
    }
  }
  const unbalanced: string[] = [];
  for (const account of new Set([...balances.keys(), ...recomputed.keys()])) {
    if ((balances.get(account) ?? 0) !== (recomputed.get(account) ?? 0)) unbalanced.push(account);
  }
  const requested = new Set(expectations.requested.map(({ id }) => id));
  const lost = [...expectations.acknowledged].filter((id) => !outcomes.has(id));
  const unrequested = [...seen.keys()].filter((id) => !requested.has(id));
  return {
    total,
    expectedTotal,
    negative,
    unbalanced,
    appliedTwice: [...appliedTwice],
    outOfOrder,
    lost,
    unrequested,
    outcomes,
  };
}
