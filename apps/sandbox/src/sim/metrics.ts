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

interface Bucket {
  ok: number;
  failed: number;
  unknown: number;
  attempts: number;
  latencies: number[];
  sorted: boolean;
}

/**
 * Every request a run made, and the faults it went through. Requests are
 * also counted into one-second buckets as they end, so the live charts cost
 * the same at minute ten as at second one.
 */
export class RequestLog {
  static readonly bucketMs = 1000;
  readonly records: RequestRecord[] = [];
  readonly faults: FaultPeriod[] = [];
  readonly #buckets: Bucket[] = [];

  record(record: RequestRecord): void {
    this.records.push(record);
    const index = Math.floor(record.startedAt / RequestLog.bucketMs);
    for (let i = this.#buckets.length; i <= index; i++) {
      this.#buckets.push({ ok: 0, failed: 0, unknown: 0, attempts: 0, latencies: [], sorted: true });
    }
    const bucket = this.#buckets[index] as Bucket;
    bucket.attempts += record.attempts;
    if (record.outcome === 'ok') {
      bucket.ok++;
      bucket.latencies.push(record.endedAt - record.startedAt);
      bucket.sorted = false;
    } else if (record.outcome === 'failed') bucket.failed++;
    else bucket.unknown++;
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
    return stats(
      this.records.filter((r) => r.startedAt >= from && r.startedAt < to),
      from,
      to,
    );
  }

  /** The whole run. */
  summary(): WindowStats {
    const last = this.records.reduce((max, r) => Math.max(max, r.endedAt), 0);
    const first = this.records.reduce((min, r) => Math.min(min, r.startedAt), Number.POSITIVE_INFINITY);
    return stats(this.records, Number.isFinite(first) ? first : 0, last);
  }

  /** One WindowStats per second, from 0 to `until`. */
  series(until: number): WindowStats[] {
    const count = Math.ceil(until / RequestLog.bucketMs);
    const series: WindowStats[] = [];
    for (let index = 0; index < count; index++) {
      const bucket = this.#buckets[index];
      const from = index * RequestLog.bucketMs;
      if (bucket === undefined) {
        series.push(stats([], from, from + RequestLog.bucketMs));
        continue;
      }
      if (!bucket.sorted) {
        bucket.latencies.sort((a, b) => a - b);
        bucket.sorted = true;
      }
      const requests = bucket.ok + bucket.failed + bucket.unknown;
      series.push({
        from,
        to: from + RequestLog.bucketMs,
        requests,
        ok: bucket.ok,
        failed: bucket.failed,
        unknown: bucket.unknown,
        successRate: requests === 0 ? 1 : bucket.ok / requests,
        throughput: bucket.ok / (RequestLog.bucketMs / 1000),
        p50: percentile(bucket.latencies, 50),
        p99: percentile(bucket.latencies, 99),
        attempts: bucket.attempts,
      });
    }
    return series;
  }

  /** The requests that ended in the last `ms`, for the dot plot. */
  recent(now: number, ms: number): RequestRecord[] {
    const since = now - ms;
    let start = this.records.length;
    while (start > 0 && (this.records[start - 1] as RequestRecord).endedAt >= since) start--;
    return this.records.slice(start);
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
