import { Redis } from 'ioredis';
import type { JournalEntry, LedgerSnapshot } from './checker.ts';

// The checker's own copy of where the ledger lives: it reads Redis as an
// auditor would, not through the branches' code.
const ACCOUNTS = 'bank:{ledger}:accounts';
const JOURNAL = 'bank:{ledger}:journal';
const account = (id: string): string => `bank:{ledger}:account:${id}`;
const PAGE = 1_000;
const MAX_PAGES = 100_000;

function entryOf(fields: string[]): JournalEntry {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2)
    record[fields[index] as string] = fields[index + 1] as string;
  return {
    id: record.id ?? '',
    from: record.from ?? '',
    to: record.to ?? '',
    amount: Number(record.amount),
    seq: Number(record.seq),
    customer: record.customer ?? '',
    outcome: record.outcome ?? '',
  };
}

/** Reads every balance and the whole journal, page by page. */
export async function readLedger(redisUrl: string): Promise<LedgerSnapshot> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  try {
    const ids = (await redis.smembers(ACCOUNTS)).sort();
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(account(id), 'balance');
    const replies = (await pipeline.exec()) ?? [];
    const balances = new Map(ids.map((id, index) => [id, Number(replies[index]?.[1] ?? Number.NaN)]));
    const journal: JournalEntry[] = [];
    let start = '-';
    for (let page = 0; page < MAX_PAGES; page++) {
      const entries = await redis.xrange(JOURNAL, start, '+', 'COUNT', PAGE);
      for (const [, fields] of entries) journal.push(entryOf(fields));
      if (entries.length < PAGE) break;
      start = `(${(entries.at(-1) as [string, string[]])[0]}`;
    }
    return { balances, journal };
  } finally {
    redis.disconnect();
  }
}
