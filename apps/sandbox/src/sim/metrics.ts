import { LatencyHistogram } from './latency-histogram.ts';

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

/** Requests counted while a fault lasted: those that started during it. */
export interface FaultTally {
  requests: number;
  ok: number;
}

/**
 * The requests a run made, and the faults it went through, in bounded
 * memory whatever the run's length: every record of the last `keepMs`, one
 * bucket per second for the charts over the same span, and running totals
 * (a latency histogram for the percentiles) for the whole run. Free play at
 * a thousand requests a second would otherwise keep every record forever.
 */
export class RequestLog {
  static readonly bucketMs = 1000;
  /** How long a record is kept after it ended; windows may reach this far back. */
  static readonly keepMs = 60_000;
  /** Fault periods kept for the charts and challenges: the latest ones. */
  static readonly faultsKept = 100;
  readonly faults: (FaultPeriod & FaultTally)[] = [];
  #records: RequestRecord[] = [];
  /** Records that ended before this were dropped: windows must start at or after it. */
  #horizon = Number.NEGATIVE_INFINITY;
  /** Buckets by the second requests ended in; `#firstBucket` is the index of `#buckets[0]`. */
  #buckets: Bucket[] = [];
  #firstBucket = 0;
  readonly #totals = { ok: 0, failed: 0, unknown: 0, attempts: 0, first: Number.POSITIVE_INFINITY, last: 0 };
  readonly #latencies = new LatencyHistogram();

  /** Records of the last `keepMs`, in the order they ended. */
  get records(): readonly RequestRecord[] {
    return this.#records;
  }

  /** Requests that did not succeed, over the whole run. */
  get unsuccessful(): number {
    return this.#totals.failed + this.#totals.unknown;
  }

  record(record: RequestRecord): void {
    this.#records.push(record);
    const totals = this.#totals;
    totals.attempts += record.attempts;
    totals.first = Math.min(totals.first, record.startedAt);
    totals.last = Math.max(totals.last, record.endedAt);
    if (record.outcome === 'ok') {
      totals.ok++;
      this.#latencies.add(record.endedAt - record.startedAt);
    } else if (record.outcome === 'failed') totals.failed++;
    else totals.unknown++;
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const fault = this.faults[i] as FaultPeriod & FaultTally;
      if (record.startedAt < fault.from || (fault.to !== undefined && record.startedAt >= fault.to)) continue;
      fault.requests++;
      if (record.outcome === 'ok') fault.ok++;
    }
    this.#addToBucket(record);
    this.#forget(record.endedAt - RequestLog.keepMs);
  }

  faultStarted(label: string, at: number): void {
    this.faults.push({ label, from: at, to: undefined, requests: 0, ok: 0 });
    if (this.faults.length > RequestLog.faultsKept) this.faults.shift();
  }

  faultEnded(label: string, at: number): void {
    const open = this.faults.findLast((fault) => fault.label === label && fault.to === undefined);
    if (open !== undefined) open.to = at;
  }

  /**
   * Statistics of the requests that started in [from, to). Only the last
   * `keepMs` are kept: asking for older requests is a mistake, and throws.
   */
  window(from: number, to: number): WindowStats {
    if (from < this.#horizon) {
      throw new RangeError(
        `window(${from}, ${to}) reaches before ${this.#horizon}: the request log keeps only the last ${RequestLog.keepMs} ms`,
      );
    }
    const inWindow: RequestRecord[] = [];
    // Records are in the order they ended, and a request ends after it starts.
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const record = this.#records[i] as RequestRecord;
      if (record.endedAt < from) break;
      if (record.startedAt >= from && record.startedAt < to) inWindow.push(record);
    }
    return stats(inWindow, from, to);
  }

  /** The whole run: counts are exact, the percentiles come from a histogram (within 1%). */
  summary(): WindowStats {
    const t = this.#totals;
    const requests = t.ok + t.failed + t.unknown;
    const from = requests === 0 ? 0 : t.first;
    return {
      from,
      to: t.last,
      requests,
      ok: t.ok,
      failed: t.failed,
      unknown: t.unknown,
      successRate: requests === 0 ? 1 : t.ok / requests,
      throughput: t.ok / (Math.max(t.last - from, 1) / 1000),
      p50: this.#latencies.percentile(50),
      p99: this.#latencies.percentile(99),
      attempts: t.attempts,
    };
  }

  /**
   * One WindowStats per second that is over by `now`, for the requests that
   * ended in it: a second is complete once it has passed, so no point is
   * ever drawn and then corrected. Covers the last `keepMs`.
   */
  series(now: number): WindowStats[] {
    const complete = Math.floor(now / RequestLog.bucketMs);
    const first = Math.max(this.#firstBucket, complete - RequestLog.keepMs / RequestLog.bucketMs);
    const series: WindowStats[] = [];
    for (let index = first; index < complete; index++) {
      const bucket = this.#buckets[index - this.#firstBucket];
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
    let start = this.#records.length;
    while (start > 0 && (this.#records[start - 1] as RequestRecord).endedAt >= since) start--;
    return this.#records.slice(start);
  }

  #addToBucket(record: RequestRecord): void {
    const index = Math.floor(record.endedAt / RequestLog.bucketMs) - this.#firstBucket;
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

  /** Drops what ended before `before`, a batch at a time so that each record costs O(1). */
  #forget(before: number): void {
    if (this.#records.length < 2_048 || (this.#records[1_024] as RequestRecord).endedAt >= before) return;
    let drop = 1_024;
    while (drop < this.#records.length && (this.#records[drop] as RequestRecord).endedAt < before) drop++;
    this.#records = this.#records.slice(drop);
    this.#horizon = before;
    const firstKept = Math.floor(before / RequestLog.bucketMs);
    if (firstKept > this.#firstBucket) {
      this.#buckets = this.#buckets.slice(firstKept - this.#firstBucket);
      this.#firstBucket = firstKept;
    }
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
