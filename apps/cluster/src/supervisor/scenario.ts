import { delay } from '@palisade/core';
import type { AttackReport } from '../attacker/attacker.ts';
import { checkLedger } from '../checker/checker.ts';
import { readLedger } from '../checker/read-ledger.ts';
import type { Cluster } from './cluster.ts';
import type { ScrapeRound } from './collector.ts';
import { sumOf } from './prometheus-text.ts';

/** How long each part of a scenario lasts; `short` is the CI test's. */
export interface Pace {
  /** Load before the fault. */
  readonly warmup: number;
  /** How long a killed branch or Redis stays down. */
  readonly down: number;
  /** Load after recovery, before the scenario stops the clients. */
  readonly settle: number;
  /** Most time to wait for something the scenario expects (a detection, a recovery). */
  readonly patience: number;
}

export const normalPace: Pace = { warmup: 3_000, down: 5_000, settle: 4_000, patience: 20_000 };
export const shortPace: Pace = { warmup: 1_000, down: 2_000, settle: 1_500, patience: 12_000 };

/** One fault found in the metrics: what showed it, and how long after the fault. */
export interface Detection {
  readonly what: string;
  /** Ms from the fault to the first scrape that showed it; undefined if none did within the scenario's patience. */
  readonly after: number | undefined;
  /** A sign that may rightly never come, so its absence fails nothing (it is still reported). */
  readonly optional?: boolean;
}

/** What a scenario's fault part reports back to the harness. */
export interface FaultReport {
  /** When the fault happened (ms since the epoch). */
  readonly at: number;
  readonly detections: readonly Detection[];
  readonly attack?: AttackReport & { readonly revokedAt: number | undefined };
  readonly notes: readonly string[];
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly lesson: string;
  readonly transfers: {
    readonly requested: number;
    readonly acknowledged: number;
    readonly applied: number;
    readonly declined: number;
    readonly lost: number;
    readonly appliedTwice: number;
    readonly outOfOrder: number;
    /** Journal entries no customer asked for: forged transfers the bank wrote. */
    readonly unrequested: number;
  };
  readonly jobs: { readonly redelivered: number; readonly duplicates: number; readonly stale: number };
  readonly ledger: {
    readonly total: number;
    readonly expectedTotal: number;
    readonly negative: number;
    readonly unbalanced: number;
  };
  readonly clients: { readonly calls: number; readonly ok: number; readonly p99: number };
  readonly fault: FaultReport;
  /** Ms the scenario took. */
  readonly duration: number;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** The sandbox lesson it plays for real. */
  readonly lesson: string;
  /** Causes the fault, waits for it to show and for the bank to recover; clients keep running meanwhile. */
  readonly fault: (cluster: Cluster, pace: Pace) => Promise<FaultReport>;
}

/** A condition on one scrape round: some process exported a sample named `name`, with these labels, whose value passes `test`. */
export function anySample(
  name: string,
  where: Readonly<Record<string, string>>,
  test: (value: number) => boolean,
): (round: ScrapeRound) => boolean {
  return (round) =>
    [...round.samples.values()].some((samples) =>
      (samples ?? []).some(
        (sample) =>
          sample.name === name &&
          Object.entries(where).every(([label, value]) => sample.labels[label] === value) &&
          test(sample.value),
      ),
    );
}

/** The sum over every process of the samples named `name` with these labels, in one round. */
export const roundSum = (round: ScrapeRound | undefined, name: string, where: Readonly<Record<string, string>> = {}) =>
  [...(round?.samples.values() ?? [])].reduce((total, samples) => total + sumOf(samples ?? [], name, where), 0);

const percentile = (values: readonly number[], fraction: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
};

/**
 * Runs one scenario under load and measures it: clients hand in transfers
 * throughout; the scenario causes its fault and waits for recovery; then
 * the clients stop, the queues drain, and the independent checker reads
 * the ledger. Every count is for the transfers asked for during this
 * scenario; the ledger invariants are for the whole bank.
 */
export async function runScenario(cluster: Cluster, scenario: Scenario, pace: Pace): Promise<ScenarioResult> {
  const started = Date.now();
  const seen = { requested: cluster.reports.requested.length };
  const counters = () => ({
    redelivered: cluster.collector.increase('bank_jobs_total', { result: 'redelivered' }),
    duplicates: cluster.collector.increase('bank_writes_total', { result: 'duplicate' }),
    stale: cluster.collector.increase('bank_writes_total', { result: 'stale' }),
  });
  const before = counters();
  await cluster.resumeClients();
  await delay(pace.warmup);
  const fault = await scenario.fault(cluster, pace);
  await delay(pace.settle);
  await cluster.pauseClients();
  await delay(cluster.collectorInterval * 2);
  const after = counters();
  await cluster.collectReports();
  await cluster.drain(pace.patience * 2);

  const requested = cluster.reports.requested.slice(seen.requested);
  const acknowledged = new Set(requested.filter(({ id }) => cluster.reports.acknowledged.has(id)).map(({ id }) => id));
  const check = checkLedger(await readLedger(cluster.redis.url), {
    openingBalances: cluster.openingBalances,
    requested: cluster.reports.requested,
    acknowledged: new Set(cluster.reports.acknowledged.keys()),
  });
  const mine = new Set(requested.map(({ id }) => id));
  const count = (ids: readonly string[]) => ids.filter((id) => mine.has(id)).length;
  let applied = 0;
  let declined = 0;
  for (const { id } of requested) {
    const outcome = check.outcomes.get(id);
    if (outcome === 'applied') applied++;
    else if (outcome === 'declined') declined++;
  }
  const calls = cluster.reports.calls.filter(({ at }) => at >= fault.at && at >= started);
  return {
    name: scenario.name,
    title: scenario.title,
    lesson: scenario.lesson,
    transfers: {
      requested: requested.length,
      acknowledged: acknowledged.size,
      applied,
      declined,
      lost: count(check.lost),
      appliedTwice: count(check.appliedTwice),
      outOfOrder: count(check.outOfOrder),
      unrequested: check.unrequested.length,
    },
    jobs: {
      redelivered: after.redelivered - before.redelivered,
      duplicates: after.duplicates - before.duplicates,
      stale: after.stale - before.stale,
    },
    ledger: {
      total: check.total,
      expectedTotal: check.expectedTotal,
      negative: check.negative.length,
      unbalanced: check.unbalanced.length,
    },
    clients: {
      calls: calls.length,
      ok: calls.filter(({ ok }) => ok).length,
      p99: percentile(
        calls.map(({ duration }) => duration),
        0.99,
      ),
    },
    fault,
    duration: Date.now() - started,
  };
}
