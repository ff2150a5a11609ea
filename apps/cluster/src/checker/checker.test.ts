import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLedger, type JournalEntry } from './checker.ts';

const entry = (
  id: string,
  from: string,
  to: string,
  amount: number,
  seq: number,
  outcome = 'applied',
): JournalEntry => ({
  id,
  from,
  to,
  amount,
  seq,
  customer: 'customer-1',
  outcome,
});

const opening = new Map([
  ['b1-01', 100],
  ['b2-01', 100],
]);

describe('checkLedger', () => {
  it('finds nothing wrong in a ledger that kept every rule', () => {
    const journal = [entry('c.1', 'b1-01', 'b2-01', 30, 1), entry('c.2', 'b1-01', 'b2-01', 500, 2, 'declined')];
    const balances = new Map([
      ['b1-01', 70],
      ['b2-01', 130],
    ]);
    const check = checkLedger(
      { balances, journal },
      {
        openingBalances: opening,
        requested: journal.map(({ id, from }) => ({ id, from, customer: 'customer-1' })),
        acknowledged: new Set(['c.1', 'c.2']),
      },
    );
    expect(check).toMatchObject({
      total: 200,
      expectedTotal: 200,
      negative: [],
      unbalanced: [],
      appliedTwice: [],
      outOfOrder: [],
      lost: [],
      unrequested: [],
    });
  });

  it('catches each kind of fault on its own', () => {
    const requested = ['c.1', 'c.2', 'c.3'].map((id) => ({ id, from: 'b1-01', customer: 'customer-1' }));
    const journal = [
      entry('c.2', 'b1-01', 'b2-01', 10, 2),
      entry('c.1', 'b1-01', 'b2-01', 10, 1), // behind c.2
      entry('c.1', 'b1-01', 'b2-01', 10, 1), // again
      entry('x.9', 'b2-01', 'b1-01', 5, 1), // nobody asked
    ];
    const balances = new Map([
      ['b1-01', -25], // as if 125 had left, where the journal says 25
      ['b2-01', 130],
    ]);
    const check = checkLedger(
      { balances, journal },
      { openingBalances: opening, requested, acknowledged: new Set(['c.1', 'c.2', 'c.3']) },
    );
    expect(check.total).toBe(105);
    expect(check.negative).toEqual(['b1-01']);
    expect(check.unbalanced).toEqual(['b1-01', 'b2-01']);
    expect(check.appliedTwice).toEqual(['c.1']);
    expect(check.outOfOrder).toEqual(['c.1']);
    expect(check.lost).toEqual(['c.3']);
    expect(check.unrequested).toEqual(['x.9']);
  });

  it('agrees with a ledger applied by a straightforward model, for any sequence of transfers', () => {
    const accounts = ['b1-01', 'b1-02', 'b2-01'];
    const transfers = fc.array(
      fc.record({
        from: fc.constantFrom(...accounts),
        to: fc.constantFrom(...accounts),
        amount: fc.integer({ min: 1, max: 80 }),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(transfers, (list) => {
        const balances = new Map(accounts.map((account) => [account, 50]));
        const journal: JournalEntry[] = [];
        const seqs = new Map<string, number>();
        list.forEach(({ from, to, amount }, index) => {
          if (from === to) return;
          const seq = (seqs.get(from) ?? 0) + 1;
          seqs.set(from, seq);
          const enough = (balances.get(from) as number) >= amount;
          if (enough) {
            balances.set(from, (balances.get(from) as number) - amount);
            balances.set(to, (balances.get(to) as number) + amount);
          }
          journal.push(entry(`c.${index}`, from, to, amount, seq, enough ? 'applied' : 'declined'));
        });
        const check = checkLedger(
          { balances, journal },
          {
            openingBalances: new Map(accounts.map((account) => [account, 50])),
            requested: journal,
            acknowledged: new Set(journal.map(({ id }) => id)),
          },
        );
        expect(check.total).toBe(check.expectedTotal);
        expect([check.negative, check.unbalanced, check.appliedTwice, check.outOfOrder, check.lost]).toEqual([
          [],
          [],
          [],
          [],
          [],
        ]);
      }),
    );
  });
});
