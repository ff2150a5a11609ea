import type { Redis } from 'ioredis';
import { ledgerKeys } from './ledger-keys.ts';
import type { Outcome, Transfer } from './transfer.ts';

/**
 * What a home branch's write of a transfer came to:
 * - `applied` / `declined` (not enough money, or no such destination): the
 *   transfer's outcome, now recorded for good;
 * - `duplicate`: it had been written before (a redelivered job, a retried
 *   request), and `outcome` is what it came to then; nothing changed;
 * - `stale`: the write carried a fencing token below one the account has
 *   already seen, so it comes from a worker that lost the job: refused.
 */
export type WriteResult =
  | { readonly kind: 'written'; readonly outcome: Outcome }
  | { readonly kind: 'duplicate'; readonly outcome: Outcome }
  | { readonly kind: 'stale'; readonly fence: number }
  | { readonly kind: 'unknown-account' };

// One script, so that the idempotency check, the fence, the balances and the
// journal entry change together or not at all, whoever else writes meanwhile.
const APPLY = `
local prior = redis.call('HGET', KEYS[3], ARGV[1])
if prior then return {'duplicate', prior} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown-account', ''} end
local fence = tonumber(ARGV[7])
local last = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence < last then return {'stale', tostring(last)} end
redis.call('HSET', KEYS[1], 'fence', ARGV[7])
local amount = tonumber(ARGV[4])
local balance = tonumber(redis.call('HGET', KEYS[1], 'balance'))
local outcome = 'applied'
if redis.call('EXISTS', KEYS[2]) == 0 or balance < amount then
  outcome = 'declined'
else
  redis.call('HINCRBY', KEYS[1], 'balance', -amount)
  redis.call('HINCRBY', KEYS[2], 'balance', amount)
end
redis.call('HSET', KEYS[3], ARGV[1], outcome)
redis.call('XADD', KEYS[4], '*', 'id', ARGV[1], 'from', ARGV[2], 'to', ARGV[3], 'amount', ARGV[4],
  'seq', ARGV[5], 'customer', ARGV[6], 'fence', ARGV[7], 'by', ARGV[8], 'outcome', outcome)
return {'written', outcome}
`;

interface LedgerCommands {
  bankApply(...args: (string | number)[]): Promise<[string, string]>;
}

/**
 * The ledger writes of one home branch. Only the branch that holds an
 * account writes it (see `authorise.ts`); the balances live in Redis so that
 * a branch killed with `kill -9` loses nothing.
 */
export class Ledger {
  readonly #redis: Redis & LedgerCommands;
  readonly #writer: string;

  constructor(redis: Redis, writer: string) {
    redis.defineCommand('bankApply', { numberOfKeys: 4, lua: APPLY });
    this.#redis = redis as Redis & LedgerCommands;
    this.#writer = writer;
  }

  /** Writes a transfer out of one of this branch's accounts, under the job's fencing token. */
  async write(transfer: Transfer, fence: number): Promise<WriteResult> {
    const [kind, detail] = await this.#redis.bankApply(
      ledgerKeys.account(transfer.from),
      ledgerKeys.account(transfer.to),
      ledgerKeys.outcomes,
      ledgerKeys.journal,
      transfer.id,
      transfer.from,
      transfer.to,
      transfer.amount,
      transfer.seq,
      transfer.customer,
      fence,
      this.#writer,
    );
    switch (kind) {
      case 'written':
      case 'duplicate':
        return { kind, outcome: detail as Outcome };
      case 'stale':
        return { kind, fence: Number(detail) };
      default:
        return { kind: 'unknown-account' };
    }
  }
}

/** Opens the accounts of a branch with their starting balance; accounts that exist keep theirs. */
export async function openAccounts(redis: Redis, accounts: readonly string[], balance: number): Promise<void> {
  const pipeline = redis.pipeline();
  for (const account of accounts) {
    pipeline.hsetnx(ledgerKeys.account(account), 'balance', balance);
    pipeline.sadd(ledgerKeys.accounts, account);
  }
  await pipeline.exec();
}
