import { describe, expect, it } from 'vitest';
import {
  allHealthy,
  flapping,
  grayFailure,
  oneOfFiveDies,
  oneOfFiveSlower,
  outageLimits,
  quickStartTiers,
  type ScenarioRun,
  slowTail,
  threeOfFiveDead,
  totalOutage,
} from './scenario.test-util.js';

/*
 * The fault scenarios, on the virtual clock: simulated nodes, seeded, under
 * steady load. Nothing sleeps; a minute of traffic takes well under a second.
 * `npm run bench -- router` records the same runs (scenario.test-util.ts).
 */

describe('scenario: one of five endpoints dies', () => {
  it('keeps ≥ 99.9% of calls succeeding, with at most 5 failed attempts per client before ejection', async () => {
    const failedBeforeEjection = [0, 0, 0];
    const ejected = [false, false, false];
    const run = await oneOfFiveDies({}, (router, client) => {
      router.onEject(({ endpoint }) => {
        if (endpoint.id === 'n2') ejected[client] = true;
      });
      router.onAttemptSettled(({ endpoint, outcome }) => {
        if (endpoint.id === 'n2' && outcome === 'failure' && !ejected[client]) {
          failedBeforeEjection[client] = (failedBeforeEjection[client] as number) + 1;
        }
      });
    });
    expect(run.requests).toBe(36_000);
    expect(run.successRate).toBeGreaterThanOrEqual(0.999);
    expect(ejected).toEqual([true, true, true]);
    for (const failures of failedBeforeEjection) expect(failures).toBeLessThanOrEqual(5);
    // Each client pays its 5 failures, then one failed probe per ejection: a handful in all.
    expect(run.cluster.node('n2').failures).toBeLessThanOrEqual(3 * 7);

    const roundRobin = await oneOfFiveDies(undefined);
    // Without a router, a fifth of the calls fail for the 50 s the node is down.
    expect(roundRobin.successRate).toBeCloseTo(1 - (0.2 * 50) / 60, 2);
  }, 60_000);
});

describe('scenario: one of five endpoints becomes 10× slower', () => {
  it('P2C peak-EWMA keeps p99 within 1.5× of the all-healthy p99; round-robin does not', async () => {
    const healthy = await allHealthy({});
    const slow = await oneOfFiveSlower({});
    const roundRobin = await oneOfFiveSlower({ balancer: 'round-robin' });
    expect(healthy.p99).toBeGreaterThan(20);
    expect(slow.p99 / healthy.p99).toBeLessThanOrEqual(1.5);
    expect(roundRobin.p99 / healthy.p99).toBeGreaterThan(5);
    // The slow node is found at once and then only sampled now and then.
    expect(slow.cluster.node('n3').requests).toBeLessThan(0.01 * slow.requests + 1_000);
  }, 60_000);

  it('hedging holds p99 within 1.5× against a slow tail that no balancer can see coming', async () => {
    // 2% of every node’s responses take 10× as long.
    const healthy = await allHealthy({});
    const unhedged = await slowTail({});
    const hedged = await slowTail({ hedge: { percentile: 0.95 } });
    expect(unhedged.p99 / healthy.p99).toBeGreaterThan(3);
    expect(hedged.p99 / healthy.p99).toBeLessThanOrEqual(1.5);
    // What it costs: a hedge for the slowest 5% or so of calls.
    expect(hedged.attempts / hedged.requests).toBeLessThan(1.1);
  }, 60_000);
});

describe('scenario: total outage', () => {
  it('the retry budget keeps attempts to 1.2× the calls, where naive retries triple them', async () => {
    const budgeted = await totalOutage(outageLimits.budget());
    // Without a budget, or with gRPC's throttle, the ratio settles within seconds: a shorter run shows it.
    const naive = await totalOutage(outageLimits.none(), 10_000);
    const throttled = await totalOutage(outageLimits.throttle(), 10_000);
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
  it('does not thrash: each ejection lasts longer, and calls keep succeeding', async () => {
    const ejections: number[] = [];
    let failedAttempts = 0;
    const run: ScenarioRun = await flapping({}, (router) => {
      router.onEject(({ endpoint, duration }) => {
        if (endpoint.id === 'n1') ejections.push(duration);
      });
      router.onAttemptSettled(({ endpoint, outcome }) => {
        if (endpoint.id === 'n1' && outcome === 'failure') failedAttempts++;
      });
    });
    expect(run.successRate).toBeGreaterThanOrEqual(0.999);
    // Envoy's backoff: n × 30 s, the multiplier only shrinking after 10 s spent healthy in rotation.
    expect(ejections.length).toBeGreaterThanOrEqual(4);
    expect(ejections.length).toBeLessThanOrEqual(8);
    for (let i = 1; i < ejections.length; i++) {
      expect(ejections[i]).toBeGreaterThan(ejections[i - 1] as number);
    }
    expect(failedAttempts).toBeLessThan(50);

    const roundRobin = await flapping(undefined);
    expect(roundRobin.cluster.node('n1').failures).toBeGreaterThan(100 * failedAttempts);
    expect(roundRobin.successRate).toBeLessThan(0.93);
  }, 60_000);
});

describe('scenario: three of five endpoints die (issue 12)', () => {
  const deadShare = (run: ScenarioRun) =>
    ['n2', 'n3', 'n4'].reduce((sum, id) => sum + run.cluster.node(id).requests, 0) / run.attempts;

  it.each(['fail-fast', 'time-out'] as const)(
    'dead nodes that %s: with the defaults, 99 calls in 100 succeed after the first second, at ≤ 1.2 attempts each',
    async (kind) => {
      const run = await threeOfFiveDead(kind, {});
      expect(run.requests).toBe(20_000);
      expect(run.successRate).toBeGreaterThanOrEqual(0.99);
      expect(run.attempts / run.requests).toBeLessThanOrEqual(1.2);
      // All three are ejected; the tier panics, yet calls stay off the dead nodes.
      for (const id of ['n2', 'n3', 'n4']) expect(run.routers[0]?.endpointStats(id)?.ejections).toBe(1);
      expect(run.routers[0]?.stats().tiers[0]?.panic).toBe(true);
      expect(deadShare(run)).toBeLessThan(0.02);

      const noRouter = await threeOfFiveDead(kind, undefined);
      expect(noRouter.successRate).toBeCloseTo(0.4, 2);
    },
  );

  it('a node that never answers is found by attemptTimeout: with it, the same holds', async () => {
    const run = await threeOfFiveDead('hang', { attemptTimeout: 1_000 });
    expect(run.successRate).toBeGreaterThanOrEqual(0.99);
    expect(run.attempts / run.requests).toBeLessThanOrEqual(1.2);
    expect(deadShare(run)).toBeLessThan(0.02);
  });
});

describe('scenario: a gray failure (issue 12)', () => {
  it('one node failing 30% of its calls costs no call, at a few percent more attempts', async () => {
    const run = await grayFailure({});
    expect(run.successRate).toBeGreaterThanOrEqual(0.999);
    expect(run.attempts / run.requests).toBeLessThan(1.05);
    const noRouter = await grayFailure(undefined);
    expect(noRouter.successRate).toBeCloseTo(1 - 0.3 / 5, 2);
  });
});

describe('scenario: the quick start’s tiers (issue 12)', () => {
  it('when both primaries die, the standby takes every call: ≥ 99% succeed from a second after', async () => {
    const run = await quickStartTiers({});
    expect(run.successRate).toBeGreaterThanOrEqual(0.99);
    const router = run.routers[0];
    expect(router?.endpointStats('eu-1')?.ejections).toBe(1);
    expect(router?.endpointStats('eu-2')?.ejections).toBe(1);
    expect(router?.stats().tiers.map((tier) => tier.load)).toEqual([0, 100]);
    // Five failed attempts each, then nothing until their ejection ends.
    expect(run.cluster.node('eu-1').failures + run.cluster.node('eu-2').failures).toBeLessThanOrEqual(10);
    const noRouter = await quickStartTiers(undefined);
    expect(noRouter.successRate).toBeCloseTo(1 / 3, 2);
  });
});
