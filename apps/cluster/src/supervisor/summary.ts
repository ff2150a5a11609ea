import type { ScenarioResult } from './scenario.ts';

interface Row {
  readonly measure: string;
  readonly value: string;
  /** What it must be, when the scenario fails otherwise. */
  readonly must?: string;
  readonly ok?: boolean;
}

const ms = (value: number | undefined): string =>
  value === undefined ? 'not seen' : value < 1_000 ? `${Math.round(value)} ms` : `${(value / 1_000).toFixed(2)} s`;
const int = (value: number): string => value.toLocaleString('en-US');
const zero = (measure: string, value: number): Row => ({ measure, value: int(value), must: '0', ok: value === 0 });

/** The rows of one scenario's table, each with what it must be where that decides pass or fail. */
export function rowsOf(result: ScenarioResult): Row[] {
  const { transfers, jobs, ledger, clients, fault } = result;
  const rows: Row[] = [
    {
      measure: 'transfers requested',
      value: `${int(transfers.requested)} (${int(transfers.acknowledged)} acknowledged by a branch)`,
    },
    {
      measure: 'applied',
      value: `${int(transfers.applied)} (and ${int(transfers.declined)} declined: not enough money)`,
    },
    zero('lost (acknowledged, never applied nor declined)', transfers.lost),
    zero('applied twice', transfers.appliedTwice),
    {
      measure: '  of which redelivered jobs',
      value: `${int(jobs.redelivered)} redelivered; ${int(jobs.duplicates)} repeat writes and ${int(jobs.stale)} stale ones refused`,
    },
    zero('out of order per account', transfers.outOfOrder),
    zero('written without a customer’s order', transfers.unrequested),
    {
      measure: 'sum of all balances',
      value: `${int(ledger.total)} of ${int(ledger.expectedTotal)}`,
      must: 'equal',
      ok: ledger.total === ledger.expectedTotal,
    },
    zero('accounts below zero', ledger.negative),
    zero('balances the journal does not explain', ledger.unbalanced),
    {
      measure: 'client success rate, from the fault on',
      value:
        clients.calls === 0
          ? 'no calls'
          : `${((100 * clients.ok) / clients.calls).toFixed(1)} % of ${int(clients.calls)} hand-ins`,
    },
    { measure: 'client p99 latency, from the fault on', value: ms(clients.p99) },
  ];
  if (fault.attack !== undefined) {
    const { attack } = fault;
    rows.push(
      zero('forged or unauthorised requests accepted', attack.accepted),
      { measure: '  requests the attacker made', value: int(attack.attempts) },
      {
        measure: 'stolen key useful after its first use',
        value:
          attack.firstSessionAt === undefined
            ? 'never: no branch accepted a channel on it'
            : `${ms((attack.lastSessionAt ?? attack.firstSessionAt) - attack.firstSessionAt)} (its last answer from a branch; every request refused)`,
      },
    );
  }
  for (const detection of fault.detections) {
    rows.push({ measure: `time to detect: ${detection.what}`, value: ms(detection.after) });
  }
  return rows;
}

/** Failed checks of a result, in words; empty when every one passed. */
export function failuresOf(result: ScenarioResult): string[] {
  return rowsOf(result)
    .filter((row) => row.ok === false)
    .map((row) => `${result.name}: ${row.measure.trim()} is ${row.value}, must be ${row.must}`);
}

/** One scenario's table, as `npm run cluster -- --scenario <name>` prints it. */
export function formatTable(result: ScenarioResult): string {
  const rows = rowsOf(result);
  const widths = [
    Math.max(7, ...rows.map((row) => row.measure.length)),
    Math.max(5, ...rows.map((row) => row.value.length)),
  ];
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 4)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|------|`;
  const verdict = (row: Row) => (row.ok === undefined ? '' : row.ok ? 'ok' : 'FAIL');
  return [
    `${result.name}: ${result.title} (${result.lesson}), ${(result.duration / 1_000).toFixed(1)} s`,
    '',
    `${line(['measure', 'value'])}      |`,
    rule,
    ...rows.map((row) => `${line([row.measure, row.value])} ${verdict(row).padEnd(4)} |`),
    '',
    ...result.fault.notes.map((note) => `- ${note}`),
  ].join('\n');
}
