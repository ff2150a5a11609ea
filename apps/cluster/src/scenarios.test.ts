import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_MISSING_MESSAGE } from '../../../scripts/lib/redis-server.ts';
import { redisAvailable } from '../../../scripts/lib/redis-test.ts';
import { Cluster, defaultClusterOptions } from './supervisor/cluster.ts';
import { runScenario, type ScenarioResult, shortPace } from './supervisor/scenario.ts';
import { scenarios } from './supervisor/scenarios/index.ts';
import { failuresOf, formatTable } from './supervisor/summary.ts';

/**
 * `--scenario all --short` with 3 branches, as real processes on a
 * redis-server of its own: every invariant and every zero of the tables.
 * Latencies and detection times are printed, never asserted: the machine
 * is shared and they say more about its load than about the bank.
 */
function describeScenarios(body: () => void): void {
  if (redisAvailable()) {
    describe('the cluster, scenario all', body);
  } else if (process.env.CI === 'true') {
    describe('the cluster, scenario all', () => {
      it('needs redis-server', () => {
        throw new Error(`CI=true requires the Redis tests. ${REDIS_MISSING_MESSAGE}`);
      });
    });
  } else {
    describe.skip(`the cluster, scenario all (${REDIS_MISSING_MESSAGE})`, () => {
      it('skipped', () => {});
    });
  }
}

describeScenarios(() => {
  let cluster: Cluster | undefined;
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({ ...defaultClusterOptions, branches: 3, log: () => {} });
  }, 60_000);

  afterAll(async () => {
    const started = cluster?.processes.map(({ pid }) => pid) ?? [];
    await cluster?.stop();
    // Stopped by PID, every one of them: none is left to signal.
    for (const pid of started) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('keeps every invariant through node-down, redis-restart, compromise and scale', async () => {
    const started = Date.now();
    for (const scenario of scenarios) {
      const result = await runScenario(cluster as Cluster, scenario, shortPace);
      console.log(formatTable(result));
      results.push(result);
    }
    expect(results.map(({ name }) => name)).toEqual(['node-down', 'redis-restart', 'compromise', 'scale']);
    for (const { name, transfers, ledger, fault } of results) {
      expect(transfers.acknowledged, name).toBeGreaterThan(0);
      expect(
        {
          lost: transfers.lost,
          appliedTwice: transfers.appliedTwice,
          outOfOrder: transfers.outOfOrder,
          unrequested: transfers.unrequested,
          negative: ledger.negative,
          unbalanced: ledger.unbalanced,
          total: ledger.total,
        },
        name,
      ).toEqual({
        lost: 0,
        appliedTwice: 0,
        outOfOrder: 0,
        unrequested: 0,
        negative: 0,
        unbalanced: 0,
        total: ledger.expectedTotal,
      });
      for (const detection of fault.detections) {
        if (detection.optional !== true) expect(detection.after, `${name}: ${detection.what}`).toBeDefined();
      }
    }
    const attack = results.find(({ name }) => name === 'compromise')?.fault.attack;
    expect(attack?.attempts).toBeGreaterThan(0);
    expect(attack?.accepted).toBe(0);
    expect(attack?.revokedAt).toBeDefined();
    expect(results.flatMap(failuresOf)).toEqual([]);
    console.log(`scenario all, 3 branches: ${((Date.now() - started) / 1_000).toFixed(1)} s`);
  }, 90_000);
});
