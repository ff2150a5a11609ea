/**
 * `unknown` is Jepsen's "info": the client gave up without learning what
 * happened (a timeout), so the request may or may not have taken effect.
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

export interface RequestRecord {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: Outcome;
  /** Which node answered (or was last tried). */
  readonly node?: string;
  /** Attempts the client made, retries and hedges included. */
  readonly attempts: number;
}

export interface WindowStats {
  readonly from: number;
  readonly to: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  /** ok ÷ requests, or 1 for an empty window. */
  readonly successRate: number;
  /** Successful requests per second. */
  readonly throughput: number;
  /** Latency percentiles of successful requests, in ms. */
  readonly p50: number;
  readonly p99: number;
  readonly attempts: number;
}

export interface FaultPeriod {
  readonly label: string;
  readonly from: number;
  to: number | undefined;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Every request a run made, in the order they ended, and the faults it went through. */
export class RequestLog {
  readonly records: RequestRecord[] = [];
  readonly faults: FaultPeriod[] = [];

  record(record: RequestRecord): void {
    this.records.push(record);
  }

  faultStarted(label: string, at: number): void {
    this.faults.push({ label, from: at, to: undefined });
  }

  faultEnded(label: string, at: number): void {
    const open = this.faults.findLast((fault) => fault.label === label && fault.to === undefined);
    if (open !== undefined) open.to = at;
  }

  /** Statistics of the requests that started in [from, to). */
  window(from: number, to: number): WindowStats {
    const inWindow = this.records.filter((r) => r.startedAt >= from && r.startedAt < to);
    return stats(inWindow, from, to);
  }

  /** The whole run. */
  summary(): WindowStats {
    const last = this.records.reduce((max, r) => Math.max(max, r.endedAt), 0);
    const first = this.records.reduce((min, r) => Math.min(min, r.startedAt), Number.POSITIVE_INFINITY);
    return stats(this.records, Number.isFinite(first) ? first : 0, last);
  }

  /** One WindowStats per bucket of `bucketMs`, from 0 to `until`. */
  series(bucketMs: number, until: number): WindowStats[] {
    const buckets: RequestRecord[][] = Array.from({ length: Math.ceil(until / bucketMs) }, () => []);
    for (const record of this.records) buckets[Math.floor(record.startedAt / bucketMs)]?.push(record);
    return buckets.map((records, index) => stats(records, index * bucketMs, (index + 1) * bucketMs));
  }
}

function stats(records: readonly RequestRecord[], from: number, to: number): WindowStats {
  let ok = 0;
  let failed = 0;
  let unknown = 0;
  let attempts = 0;
  const latencies: number[] = [];
  for (const record of records) {
    attempts += record.attempts;
    if (record.outcome === 'ok') {
      ok++;
      latencies.push(record.endedAt - record.startedAt);
    } else if (record.outcome === 'failed') failed++;
    else unknown++;
  }
  latencies.sort((a, b) => a - b);
  const seconds = Math.max(to - from, 1) / 1000;
  return {
    from,
    to,
    requests: records.length,
    ok,
    failed,
    unknown,
    successRate: records.length === 0 ? 1 : ok / records.length,
    throughput: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    attempts,
  };
}
