import { describe, expect, it } from 'vitest';
import { RequestLog, type RequestRecord } from './metrics.ts';

/** `rps` requests a second for `seconds`, each taking `latency` ms; every tenth fails. */
function fill(log: RequestLog, seconds: number, rps: number, latency = 20): void {
  for (let i = 0; i < seconds * rps; i++) {
    const startedAt = (i * 1000) / rps;
    log.record({ startedAt, endedAt: startedAt + latency, outcome: i % 10 === 9 ? 'failed' : 'ok', attempts: 1 });
  }
}

describe('RequestLog', () => {
  it('keeps memory bounded in a long run: records of the last minute only, exact totals for all of it', () => {
    const log = new RequestLog();
    // Ten minutes of free play: 600,000 requests.
    fill(log, 600, 1_000);
    // A minute at 1,000 requests a second, plus at most one batch waiting to be dropped.
    expect(log.records.length).toBeGreaterThanOrEqual(60_000);
    expect(log.records.length).toBeLessThanOrEqual(60_000 + 2_048);
    const now = 600_000;
    expect(log.series(now).length).toBe(RequestLog.keepMs / RequestLog.bucketMs);
    const summary = log.summary();
    expect(summary.requests).toBe(600_000);
    expect(summary.failed).toBe(60_000);
    expect(log.unsuccessful).toBe(60_000);
    expect(summary.p99).toBeCloseTo(20, 0);
    // The last minute is still exact; before it, asking is a mistake.
    expect(log.window(now - 10_000, now - 5_000).requests).toBe(5_000);
    expect(() => log.window(now - 120_000, now)).toThrow(RangeError);
  });

  it('charts only seconds that are over, by the second requests ended in, so no point is drawn and then corrected', () => {
    const log = new RequestLog();
    const records: RequestRecord[] = [
      { startedAt: 900, endedAt: 1_100, outcome: 'ok', attempts: 1 },
      { startedAt: 1_200, endedAt: 1_300, outcome: 'ok', attempts: 1 },
      { startedAt: 1_950, endedAt: 2_050, outcome: 'failed', attempts: 2 },
    ];
    for (const record of records) log.record(record);
    const midSecond = log.series(2_500);
    expect(midSecond.map((second) => [second.from, second.ok, second.failed])).toEqual([
      [0, 0, 0],
      [1_000, 2, 0],
    ]);
    // The second in progress is not drawn at all, and what was drawn stays as it was.
    const later = log.series(3_000);
    expect(later.slice(0, 2)).toEqual(midSecond);
    expect(later[2]?.failed).toBe(1);
  });

  it('counts the requests that started during each fault', () => {
    const log = new RequestLog();
    log.faultStarted('node-2', 1_000);
    log.record({ startedAt: 500, endedAt: 1_500, outcome: 'failed', attempts: 1 });
    log.record({ startedAt: 1_000, endedAt: 1_500, outcome: 'ok', attempts: 1 });
    log.record({ startedAt: 1_400, endedAt: 1_600, outcome: 'failed', attempts: 1 });
    log.faultEnded('node-2', 2_000);
    log.record({ startedAt: 2_000, endedAt: 2_100, outcome: 'ok', attempts: 1 });
    expect(log.faults).toEqual([{ label: 'node-2', from: 1_000, to: 2_000, requests: 2, ok: 1 }]);
  });
});
