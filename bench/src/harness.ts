import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';

/** One contender in a comparison: palisade, or one of its anchors. */
export interface Contender {
  readonly name: string;
  /** One operation, sync or async. Async results are awaited one at a time. */
  readonly fn: () => unknown;
}

export interface ComparisonOptions {
  /**
   * Operations per timed sample. Sub-microsecond operations need hundreds per
   * sample, or the timer's own cost swamps them.
   * @default 1
   */
  readonly batch?: number;
  /** Rounds, each running every contender in a rotated order; the result is the median round. @default BENCH_ROUNDS or 3 */
  readonly rounds?: number;
  /** Milliseconds per contender per round. @default BENCH_TIME or 300 */
  readonly time?: number;
  /**
   * Measure each contender, in each round, in a fresh process that re-runs
   * the suite up to this comparison, so that no contender runs in a heap
   * and a JIT shaped by another. The value names the comparison within its
   * suite. A child skips the suite's other comparisons, so an isolated
   * comparison should come before the suite's other slow work.
   */
  readonly isolate?: string;
}

/** Set in the child process of an isolated comparison: which comparison and contender it measures, and where to write. */
const ISOLATED_CHILD = 'PALISADE_BENCH_ISOLATED';
interface IsolatedChild {
  readonly comparison: string;
  readonly contender: string;
  readonly outFile: string;
}

export interface ContenderResult {
  readonly name: string;
  /** Median time of one operation, in nanoseconds: the median of the rounds' medians. */
  readonly medianNs: number;
  /** Each round's median, to show the spread. */
  readonly roundsNs: readonly number[];
}

/** A positive number from the environment (BENCH_TIME, BENCH_ROUNDS), or `fallback`. */
export const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Times every contender in the same process and run. The machine is shared and
 * noisy, so each round runs the contenders in a different order and the
 * result is the median of the rounds' medians.
 */
export async function compare(
  contenders: readonly Contender[],
  options: ComparisonOptions = {},
): Promise<ContenderResult[]> {
  const batch = options.batch ?? 1;
  const rounds = options.rounds ?? envNumber('BENCH_ROUNDS', 3);
  const time = options.time ?? envNumber('BENCH_TIME', 300);
  const child = isolatedChild();
  if (child !== undefined) return measureInChild(child, contenders, options, batch, time);
  if (options.isolate !== undefined) return compareIsolated(contenders, options.isolate, rounds);
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const tasks = await Promise.all(contenders.map(async (c) => ({ name: c.name, fn: await batched(c.fn, batch) })));

  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: Math.min(100, time), throws: true });
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[(i + round) % tasks.length] as (typeof tasks)[number];
      bench.add(task.name, task.fn);
    }
    await bench.run();
    for (const task of bench.tasks) samples.get(task.name)?.push(medianOf(task, batch));
  }
  return summarise(contenders, samples);
}

function medianOf(task: Bench['tasks'][number], batch: number): number {
  const result = task.result;
  if (!('latency' in result)) throw new Error(`benchmark "${task.name}" did not complete: ${result.state}`);
  return (result.latency.p50 * 1e6) / batch;
}

function summarise(contenders: readonly Contender[], samples: Map<string, number[]>): ContenderResult[] {
  return contenders.map(({ name }) => {
    const roundsNs = samples.get(name) ?? [];
    return { name, medianNs: median(roundsNs), roundsNs };
  });
}

function isolatedChild(): IsolatedChild | undefined {
  const value = process.env[ISOLATED_CHILD];
  return value === undefined ? undefined : (JSON.parse(value) as IsolatedChild);
}

/**
 * Each round runs every contender in a fresh copy of this process (the same
 * script, arguments and flags), in a rotated order. The child re-runs the
 * suite until it reaches this comparison, measures its one contender, writes
 * the figure and exits.
 */
function compareIsolated(contenders: readonly Contender[], comparison: string, rounds: number): ContenderResult[] {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const outDir = mkdtempSync(join(tmpdir(), 'palisade-bench-isolated-'));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < contenders.length; i++) {
        const contender = (contenders[(i + round) % contenders.length] as Contender).name;
        const outFile = join(outDir, `${round}-${i}.json`);
        const env = { ...process.env, [ISOLATED_CHILD]: JSON.stringify({ comparison, contender, outFile }) };
        const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
          env,
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        if (run.status !== 0) throw new Error(`isolated run of "${contender}" failed (exit ${run.status})`);
        samples.get(contender)?.push(JSON.parse(readFileSync(outFile, 'utf8')) as number);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return summarise(contenders, samples);
}

async function measureInChild(
  child: IsolatedChild,
  contenders: readonly Contender[],
  options: ComparisonOptions,
  batch: number,
  time: number,
): Promise<ContenderResult[]> {
  // Another comparison of the same suite: not measured in this child.
  if (options.isolate !== child.comparison) {
    return contenders.map(({ name }) => ({ name, medianNs: Number.NaN, roundsNs: [] }));
  }
  const contender = contenders.find((c) => c.name === child.contender);
  if (contender === undefined) throw new Error(`no contender named "${child.contender}" in "${child.comparison}"`);
  // A fresh process has a cold JIT: warm up as long as the measurement itself.
  const bench = new Bench({ time, warmupTime: time, throws: true });
  bench.add(contender.name, await batched(contender.fn, batch));
  await bench.run();
  writeFileSync(child.outFile, JSON.stringify(medianOf(bench.tasks[0] as Bench['tasks'][number], batch)));
  process.exit(0);
}

async function batched(fn: () => unknown, batch: number): Promise<() => unknown> {
  const probe = fn();
  const isAsync = typeof (probe as PromiseLike<unknown> | undefined)?.then === 'function';
  if (isAsync) await probe;
  if (batch === 1) return fn;
  if (isAsync) {
    return async () => {
      for (let i = 0; i < batch; i++) await fn();
    };
  }
  return () => {
    for (let i = 0; i < batch; i++) fn();
  };
}

export const formatNs = (ns: number): string => {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 2)} µs`;
  return `${ns.toFixed(ns >= 100 ? 0 : 1)} ns`;
};

export const formatRate = (perSecond: number): string => {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
};

export const ratio = (value: number, reference: number): string => `${(value / reference).toFixed(2)}×`;

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The standard comparison table: median time per operation, operations per
 * second, and the ratio to each reference contender (time ÷ reference time,
 * so below 1× is faster than the reference).
 */
export function comparisonTable(results: readonly ContenderResult[], references: readonly string[]): string {
  const byName = new Map(results.map((r) => [r.name, r]));
  const header = ['contender', 'median / op', 'ops/s', ...references.map((r) => `× ${r}`), 'rounds'];
  const rows = results.map((r) => [
    r.name,
    formatNs(r.medianNs),
    formatRate(1e9 / r.medianNs),
    ...references.map((ref) => ratio(r.medianNs, byName.get(ref)?.medianNs ?? Number.NaN)),
    r.roundsNs.map(formatNs).join(', '),
  ]);
  return table(header, rows);
}

export interface Target {
  readonly label: string;
  readonly measured: number;
  readonly limit: number;
  /** `max`: measured must be at most `limit`; `min`: at least. */
  readonly kind: 'max' | 'min';
  readonly format?: (value: number) => string;
}

export const targetMet = (target: Target): boolean =>
  target.kind === 'max' ? target.measured <= target.limit : target.measured >= target.limit;

/** A table of performance targets from the issues, each marked met or missed. */
export function targetTable(targets: readonly Target[]): string {
  return table(
    ['target', 'measured', 'limit', 'met'],
    targets.map((t) => {
      const show = t.format ?? ((v: number) => v.toFixed(2));
      return [
        t.label,
        show(t.measured),
        `${t.kind === 'max' ? '≤' : '≥'} ${show(t.limit)}`,
        targetMet(t) ? 'yes' : '**no**',
      ];
    }),
  );
}

/** Heap bytes retained by what `build` returns, measured with forced GCs (run node with --expose-gc). */
export async function retainedBytes<T>(build: () => T | Promise<T>): Promise<{ bytes: number; value: T }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('retainedBytes needs node --expose-gc (npm run bench passes it).');
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = await build();
  gc();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, value };
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB`;
  return `${new Date().toISOString().slice(0, 10)}, ${cpu} (${cpus().length} cores, ${memory}), Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** What a suite module default-exports. */
export interface Suite {
  /** Heading in RESULTS.md. */
  readonly title: string;
  /**
   * Why the suite cannot run on this machine (a program it drives is
   * missing), or undefined. A skipped suite keeps its previous section,
   * says why, and does not fail the run.
   */
  unavailable?(): string | undefined;
  /** Returns the section's markdown body. */
  run(): Promise<string>;
}
