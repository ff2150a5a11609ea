import { describe, expect, it } from 'vitest';
import {
  downBetween,
  healthyNode,
  NODE_IDS,
  runScenario,
  type ScenarioRun,
  slower,
  withSlowTail,
} from './scenario.test-util.js';
import { type Cluster, dead } from './simulation.test-util.js';
import { TokenRetryThrottle } from './token-throttle.js';

/*
 * The fault scenarios of issue 4, on the virtual clock: five simulated nodes,
 * seeded, under steady load. Nothing sleeps; a minute of traffic takes well
 * under a second. `npm run bench -- router` records the same runs.
 */

describe('scenario: one of five endpoints dies', () => {
  it('keeps ≥ 99.9% of calls succeeding, with at most 5 failed attempts per client before ejection', async () => {
    const failedBeforeEjection = [0, 0, 0];
    const ejected = [false, false, false];
    const run = await runScenario({
      clients: 3,
      rate: 200,
      duration: 60_000,
      router: {},
      script: downBetween('n2', 10_000),
      setup: (router, client) => {
        router.onEject(({ endpoint }) => {
          if (endpoint.id === 'n2') ejected[client] = true;
        });
        router.onAttemptSettled(({ endpoint, outcome }) => {
          if (endpoint.id === 'n2' && outcome === 'failure' && !ejected[client]) {
            failedBeforeEjection[client] = (failedBeforeEjection[client] as number) + 1;
          }
        });
      },
    });
    expect(run.requests).toBe(36_000);
    expect(run.successRate).toBeGreaterThanOrEqual(0.999);
    expect(ejected).toEqual([true, true, true]);
    for (const failures of failedBeforeEjection) expect(failures).toBeLessThanOrEqual(5);
    // Each client pays its 5 failures, then one failed probe per ejection: a handful in all.
    expect(run.cluster.node('n2').failures).toBeLessThanOrEqual(3 * 7);

    const roundRobin = await runScenario({
      clients: 3,
      rate: 200,
      duration: 60_000,
      router: undefined,
      script: downBetween('n2', 10_000),
    });
    // Without a router, a fifth of the calls fail for the 50 s the node is down.
    expect(roundRobin.successRate).toBeCloseTo(1 - (0.2 * 50) / 60, 2);
  }, 60_000);
});

describe('scenario: one of five endpoints becomes 10× slower', () => {
  const slowFrom10s = (cluster: Cluster, now: number) => {
    if (now >= 10_000) cluster.node('n3').behaviour = slower(10);
  };

  it('P2C peak-EWMA keeps p99 within 1.5× of the all-healthy p99; round-robin does not', async () => {
    const healthy = await runScenario({ rate: 500, duration: 60_000, router: {} });
    const slow = await runScenario({ rate: 500, duration: 60_000, router: {}, script: slowFrom10s });
    const roundRobin = await runScenario({
      rate: 500,
      duration: 60_000,
      router: { balancer: 'round-robin' },
      script: slowFrom10s,
    });
    expect(healthy.p99).toBeGreaterThan(20);
    expect(slow.p99 / healthy.p99).toBeLessThanOrEqual(1.5);
    expect(roundRobin.p99 / healthy.p99).toBeGreaterThan(5);
    // The slow node is found at once and then only sampled now and then.
    expect(slow.cluster.node('n3').requests).toBeLessThan(0.01 * slow.requests + 1_000);
  }, 60_000);

  it('hedging holds p99 within 1.5× against a slow tail that no balancer can see coming', async () => {
    // 2% of every node’s responses take 10× as long.
    const tail = (cluster: Cluster) => {
      for (const id of NODE_IDS) cluster.node(id).behaviour = withSlowTail(0.02, 10);
    };
    const healthy = await runScenario({ rate: 500, duration: 60_000, router: {} });
    const unhedged = await runScenario({ rate: 500, duration: 60_000, router: {}, script: tail });
    const hedged = await runScenario({
      rate: 500,
      duration: 60_000,
      router: { hedge: { percentile: 0.95 } },
      script: tail,
    });
    expect(unhedged.p99 / healthy.p99).toBeGreaterThan(3);
    expect(hedged.p99 / healthy.p99).toBeLessThanOrEqual(1.5);
    // What it costs: a hedge for the slowest 5% or so of calls.
    expect(hedged.attempts / hedged.requests).toBeLessThan(1.1);
  }, 60_000);
});

describe('scenario: total outage', () => {
  const allDown = (cluster: Cluster) => {
    for (const id of NODE_IDS) cluster.node(id).behaviour = dead(1);
  };

  it('the retry budget keeps attempts to 1.2× the calls, where naive retries triple them', async () => {
    const duration = 60_000;
    const budgeted = await runScenario({ rate: 1_000, duration, router: {}, script: allDown });
    // Without a budget, or with gRPC's throttle, the ratio settles within seconds: a shorter run shows it.
    const naive = await runScenario({ rate: 1_000, duration: 10_000, router: { budget: false }, script: allDown });
    const throttled = await runScenario({
      rate: 1_000,
      duration: 10_000,
      router: { budget: new TokenRetryThrottle() },
      script: allDown,
    });
    expect(budgeted.successRate).toBe(0);
    expect(naive.attempts / naive.requests).toBe(3);
    // The budget: 20% of the calls, its 10-per-second reserve a floor rather than an addition.
    expect(budgeted.attempts / budgeted.requests).toBeLessThanOrEqual(1.2);
    expect(budgeted.attempts / budgeted.requests).toBeGreaterThan(1.19);
    // gRPC's throttle stops retrying after maxTokens / 2 failures.
    expect(throttled.attempts - throttled.requests).toBeLessThanOrEqual(5);
  }, 60_000);
});

describe('scenario: an endpoint flaps', () => {
  // From 10 s, n1 is down for 3 s of every 7.
  const flapping = (cluster: Cluster, now: number) => {
    cluster.node('n1').behaviour = now >= 10_000 && now % 7_000 < 3_000 ? dead(1) : healthyNode;
  };

  it('does not thrash: each ejection lasts longer, and calls keep succeeding', async () => {
    const ejections: number[] = [];
    let failedAttempts = 0;
    const run: ScenarioRun = await runScenario({
      rate: 100,
      duration: 600_000,
      router: {},
      script: flapping,
      setup: (router) => {
        router.onEject(({ endpoint, duration }) => {
          if (endpoint.id === 'n1') ejections.push(duration);
        });
        router.onAttemptSettled(({ endpoint, outcome }) => {
          if (endpoint.id === 'n1' && outcome === 'failure') failedAttempts++;
        });
      },
    });
    expect(run.successRate).toBeGreaterThanOrEqual(0.999);
    // Envoy's backoff: n × 30 s, the multiplier only shrinking after 10 s spent healthy in rotation.
    expect(ejections.length).toBeGreaterThanOrEqual(4);
    expect(ejections.length).toBeLessThanOrEqual(8);
    for (let i = 1; i < ejections.length; i++) {
      expect(ejections[i]).toBeGreaterThan(ejections[i - 1] as number);
    }
    expect(failedAttempts).toBeLessThan(50);

    const roundRobin = await runScenario({ rate: 100, duration: 600_000, router: undefined, script: flapping });
    expect(roundRobin.cluster.node('n1').failures).toBeGreaterThan(100 * failedAttempts);
    expect(roundRobin.successRate).toBeLessThan(0.93);
  }, 60_000);
});
