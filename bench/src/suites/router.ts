import { createDeadline } from '@palisade/core';
import { Router, type RouterOptions } from '@palisade/router';
import { ConsecutiveBreaker, circuitBreaker, handleAll, retry, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import Opossum from 'opossum';
import {
  type ContenderResult,
  compare,
  comparisonTable,
  formatNs,
  type Suite,
  table,
  targetTable,
} from '../harness.ts';

const BATCH = 200;
const work = (): Promise<number> => Promise.resolve(1);
const fiveEndpoints = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));

function byName(results: readonly ContenderResult[], name: string): number {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no contender named ${name}`);
  return result.medianNs;
}

// --- per-call overhead --------------------------------------------------------------

const ROUTER = 'palisade router.execute (P2C peak-EWMA × 5, retry, budget, breakers, 15 s deadline)';
const ROUTER_SIGNAL = 'palisade router.execute + a caller AbortSignal';
const ROUTER_NAIVE_DEADLINE = 'palisade router, deadline as createDeadline per call (naive scheme)';
const COCKATIEL = 'cockatiel wrap(retry, circuitBreaker, timeout)';
const OPOSSUM = 'opossum fire (10 s timeout)';
const BARE = 'bare await fn()';

/** With `isolate`, each contender runs in a fresh process per round (see the harness). */
async function overhead(isolate?: string): Promise<ContenderResult[]> {
  const router = new Router({ endpoints: fiveEndpoints });
  const noDeadline = new Router({ endpoints: fiveEndpoints, timeout: Number.POSITIVE_INFINITY });
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 3 }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    timeout(10_000, TimeoutStrategy.Cooperative),
  );
  const opossum = new Opossum(work, { timeout: 10_000 });
  const signal = new AbortController().signal;
  try {
    return await compare(
      [
        { name: BARE, fn: () => work() },
        { name: COCKATIEL, fn: () => cockatiel.execute(work) },
        { name: OPOSSUM, fn: () => opossum.fire() },
        { name: ROUTER, fn: () => router.execute(work) },
        { name: ROUTER_SIGNAL, fn: () => router.execute(work, signal) },
        {
          name: ROUTER_NAIVE_DEADLINE,
          fn: async () => {
            const deadline = createDeadline(15_000);
            try {
              return await noDeadline.execute(work, deadline.signal);
            } finally {
              deadline.dispose();
            }
          },
        },
      ],
      isolate === undefined ? { batch: BATCH } : { batch: BATCH, isolate },
    );
  } finally {
    opossum.shutdown();
    await Promise.all([router.close(), noDeadline.close()]);
  }
}

// --- fault scenarios ----------------------------------------------------------------

// The scenarios the router's tests assert, run here on the built package (the module imports it by name). Loaded
// after the per-call comparison, so that the processes it measures in load nothing more than they did before.
type Scenarios = typeof import('../../../packages/router/src/scenario.test-util.ts');
type ScenarioRun = Awaited<ReturnType<Scenarios['runScenario']>>;
const loadScenarios = (): Promise<Scenarios> => import('../../../packages/router/src/scenario.test-util.ts');

const DEAD = ['n2', 'n3', 'n4'];
const requestsOn = (run: ScenarioRun, ids: readonly string[]): number =>
  ids.reduce((sum, id) => sum + run.cluster.node(id).requests, 0);
const failuresOn = (run: ScenarioRun, id: string): number => run.cluster.node(id).failures;
/** Envoy's default ejection cap, the router's default before issue 12. */
const ENVOY_CAP: RouterOptions<string> = { outlierDetection: { maxEjectionPercent: 10 } };

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
const times = (value: number): string => `${value.toFixed(2)}×`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;

const suite: Suite = {
  title: '@palisade/router',
  async run() {
    // Isolated first: each child process re-runs the suite up to here, measures, and exits.
    const perCall = await overhead('per-call');
    const shared = await overhead();
    const sharedRatio = byName(shared, COCKATIEL) / byName(shared, ROUTER);
    const bare = byName(perCall, BARE);
    const routerNs = byName(perCall, ROUTER);
    const cockatielNs = byName(perCall, COCKATIEL);
    const opossumNs = byName(perCall, OPOSSUM);
    const overheadRow = (name: string) => {
      const value = byName(perCall, name) - bare;
      return [name, formatNs(value), times((cockatielNs - bare) / value), times(value / (opossumNs - bare))];
    };

    const scenarios = await loadScenarios();

    // One of five dies at 10 s; three clients, 200 calls/s each, for a minute.
    const failedBeforeEjection = [0, 0, 0];
    const ejected = [false, false, false];
    const dies = await scenarios.oneOfFiveDies({}, (router, client) => {
      router.onEject(({ endpoint }) => {
        if (endpoint.id === 'n2') ejected[client] = true;
      });
      router.onAttemptSettled(({ endpoint, outcome }) => {
        if (endpoint.id === 'n2' && outcome === 'failure' && !ejected[client]) {
          failedBeforeEjection[client] = (failedBeforeEjection[client] as number) + 1;
        }
      });
    });
    const diesBaseline = await scenarios.oneOfFiveDies(undefined);

    // One of five becomes 10× slower at 10 s; 500 calls/s.
    const allHealthy = await scenarios.allHealthy({});
    const slowEwma = await scenarios.oneOfFiveSlower({});
    const slowLeast = await scenarios.oneOfFiveSlower({ balancer: 'least-outstanding' });
    const slowRoundRobin = await scenarios.oneOfFiveSlower({ balancer: 'round-robin' });
    const tailPlain = await scenarios.slowTail({});
    const tailHedged = await scenarios.slowTail({ hedge: { percentile: 0.95 } });

    // Total outage: every node refuses every call; 1,000 calls/s.
    const outageBudget = await scenarios.totalOutage(scenarios.outageLimits.budget());
    const outageNaive = await scenarios.totalOutage(scenarios.outageLimits.none());
    const outageThrottle = await scenarios.totalOutage(scenarios.outageLimits.throttle());

    // n1 flaps from 10 s: down 3 s of every 7; 100 calls/s for ten minutes.
    const ejections: number[] = [];
    const flap = await scenarios.flapping({}, (router) => {
      router.onEject(({ endpoint, duration }) => {
        if (endpoint.id === 'n1') ejections.push(duration / 1_000);
      });
    });
    const flapBaseline = await scenarios.flapping(undefined);

    // Issue 12: three of five dead from the start, refusing at once or timing out after 1 s; 1,000 calls/s.
    const threeDead = {
      'fail-fast': {
        router: await scenarios.threeOfFiveDead('fail-fast', {}),
        roundRobin: await scenarios.threeOfFiveDead('fail-fast', { balancer: 'round-robin' }),
        envoyCap: await scenarios.threeOfFiveDead('fail-fast', ENVOY_CAP),
        none: await scenarios.threeOfFiveDead('fail-fast', undefined),
      },
      'time-out': {
        router: await scenarios.threeOfFiveDead('time-out', {}),
        roundRobin: await scenarios.threeOfFiveDead('time-out', { balancer: 'round-robin' }),
        envoyCap: await scenarios.threeOfFiveDead('time-out', ENVOY_CAP),
        none: await scenarios.threeOfFiveDead('time-out', undefined),
      },
    };
    const hangDefault = await scenarios.threeOfFiveDead('hang', {});
    const hangTimeout = await scenarios.threeOfFiveDead('hang', { attemptTimeout: 1_000 });
    // A gray failure: a third of n1's answers fail from 10 s.
    const gray = await scenarios.grayFailure({});
    const grayBaseline = await scenarios.grayFailure(undefined);
    // The quick start's tiers: both primaries die at 10 s.
    const tiers = await scenarios.quickStartTiers({});
    const tiersEnvoyCap = await scenarios.quickStartTiers(ENVOY_CAP);
    const tiersBaseline = await scenarios.quickStartTiers(undefined);

    const runs: ScenarioRun[] = [
      dies,
      diesBaseline,
      allHealthy,
      slowEwma,
      slowLeast,
      slowRoundRobin,
      tailPlain,
      tailHedged,
      outageBudget,
      outageNaive,
      outageThrottle,
      flap,
      flapBaseline,
      ...Object.values(threeDead).flatMap((each) => Object.values(each)),
      hangDefault,
      hangTimeout,
      gray,
      grayBaseline,
      tiers,
      tiersEnvoyCap,
      tiersBaseline,
    ];
    const scenarioWall = runs.reduce((sum, run) => sum + run.wallMs, 0);
    const threeDeadRow = (label: string, run: ScenarioRun) => [
      label,
      percent(run.successRate),
      times(run.attempts / run.requests),
      percent(requestsOn(run, DEAD) / run.attempts),
    ];

    return [
      '### Per-call overhead on the healthy path',
      '',
      `Each contender runs \`fn = () => Promise.resolve(1)\`; ${BATCH} awaited calls per sample, in a fresh process of its own for each round (rotated order, same script and flags). The router has five endpoints and its defaults: P2C peak-EWMA, 3 attempts with Envoy's backoff, the retry budget (20% of calls, at least 10 per second), a breaker per endpoint (5 consecutive failures, 85% failure rate over 10 s), and a 15 s deadline on the real clock. cockatiel is \`wrap(retry(handleAll, { maxAttempts: 3 }), circuitBreaker(handleAll, { breaker: new ConsecutiveBreaker(5) }), timeout(10_000, Cooperative))\`; opossum is \`fire()\` with a 10 s timeout.`,
      '',
      comparisonTable(perCall, [BARE, COCKATIEL, OPOSSUM]),
      '',
      'Overhead is the median time per call minus the bare `await fn()`.',
      '',
      table(
        ['contender', 'overhead / call', 'cockatiel overhead ÷ this', 'this ÷ opossum overhead'],
        [ROUTER, ROUTER_SIGNAL, ROUTER_NAIVE_DEADLINE, COCKATIEL, OPOSSUM].map(overheadRow),
      ),
      '',
      "Why a process each: in one shared process, a contender's figure depends on what ran before it. After opossum has run, V8's young generation has grown to 32 MiB (8 MiB after the router alone, 16 MiB after cockatiel), and the router measures about 25% slower for the rest of the process (about 650 ns per call run first, 750 to 820 ns after opossum, in a plain loop); with the young generation pinned (`--min-semi-space-size` = `--max-semi-space-size`) the order no longer matters. The same contenders in one process, rounds rotated as before:",
      '',
      comparisonTable(shared, [BARE, COCKATIEL, OPOSSUM]),
      '',
      `In one process, cockatiel ÷ router is ${times(sharedRatio)}.`,
      '',
      'The deadline scheme: the router keeps one clock timer for all its deadlines (a FIFO lane per duration), instead of a `setTimeout` and a `clearTimeout` per call. The "naive scheme" row gives the router a `createDeadline` signal per call instead, which is what a timer per call costs.',
      '',
      '### Targets (issue 4): per-call overhead',
      '',
      targetTable([
        {
          label: 'cockatiel wrap(retry, breaker, timeout) ÷ router.execute, time per call',
          measured: cockatielNs / routerNs,
          limit: 10,
          kind: 'min',
          format: times,
        },
        {
          label: 'router.execute ÷ opossum fire with a timeout, time per call',
          measured: routerNs / opossumNs,
          limit: 1,
          kind: 'max',
          format: times,
        },
      ]),
      '',
      `### Fault scenarios (virtual clock, seeded; ${(scenarioWall / 1_000).toFixed(1)} s of wall time for ${runs.length} runs)`,
      '',
      'The scenarios of `packages/router/src/scenario.test-util.ts`, which the tests assert, run here on the built package. Five simulated nodes answer in 10 ms plus an exponential tail of mean 3 ms. The router runs with its defaults unless a row says otherwise; "no router" sends each call to the next node in turn, once.',
      '',
      '**One of five dies** (n2 refuses every call from 10 s; 3 clients × 200 calls/s for 60 s):',
      '',
      table(
        ['', 'success', 'failed attempts on n2'],
        [
          ['router', percent(dies.successRate), String(failuresOn(dies, 'n2'))],
          ['no router (round-robin)', percent(diesBaseline.successRate), String(failuresOn(diesBaseline, 'n2'))],
        ],
      ),
      '',
      `Failed attempts per client before its router ejected n2: ${failedBeforeEjection.join(', ')}.`,
      '',
      '**One of five becomes 10× slower** (n3 from 10 s; 500 calls/s for 60 s):',
      '',
      table(
        ['balancer', 'p99', '÷ all-healthy p99'],
        [
          ['all healthy (P2C peak-EWMA)', ms(allHealthy.p99), times(1)],
          ['P2C peak-EWMA', ms(slowEwma.p99), times(slowEwma.p99 / allHealthy.p99)],
          ['P2C least-outstanding', ms(slowLeast.p99), times(slowLeast.p99 / allHealthy.p99)],
          ['round-robin', ms(slowRoundRobin.p99), times(slowRoundRobin.p99 / allHealthy.p99)],
        ],
      ),
      '',
      '**A slow tail** (2% of every node’s responses take 10×; 500 calls/s for 60 s):',
      '',
      table(
        ['', 'p99', '÷ all-healthy p99', 'attempts ÷ calls'],
        [
          [
            'no hedging',
            ms(tailPlain.p99),
            times(tailPlain.p99 / allHealthy.p99),
            times(tailPlain.attempts / tailPlain.requests),
          ],
          [
            'hedging at the p95 latency',
            ms(tailHedged.p99),
            times(tailHedged.p99 / allHealthy.p99),
            times(tailHedged.attempts / tailHedged.requests),
          ],
        ],
      ),
      '',
      '**Total outage** (every node refuses every call; 1,000 calls/s for 60 s; 3 attempts per call at most):',
      '',
      table(
        ['retry limit', 'attempts ÷ calls'],
        [
          ['retry budget (default: 20%, at least 10/s)', times(outageBudget.attempts / outageBudget.requests)],
          ['gRPC token throttle (10 tokens, ratio 0.1)', times(outageThrottle.attempts / outageThrottle.requests)],
          ['none (naive retries)', times(outageNaive.attempts / outageNaive.requests)],
        ],
      ),
      '',
      'The budget allows 20% of the calls, or its reserve of 10 retries per second when that is larger (Finagle adds the reserve instead, which would give 1.21× here).',
      '',
      '**An endpoint flaps** (n1 down 3 s of every 7 from 10 s; 100 calls/s for 10 minutes):',
      '',
      table(
        ['', 'success', 'failed attempts on n1'],
        [
          ['router', percent(flap.successRate), String(failuresOn(flap, 'n1'))],
          ['no router (round-robin)', percent(flapBaseline.successRate), String(failuresOn(flapBaseline, 'n1'))],
        ],
      ),
      '',
      `Ejections of n1, in seconds: ${ejections.join(', ')}.`,
      '',
      '### Several endpoints down (issue 12)',
      '',
      '**Three of five dead** (n2, n3 and n4 from the start; 1,000 calls/s for 20 s; success of the calls started from 1 s; attempts over the whole run). "Fail fast": a dead node refuses after 1 ms. "Time out": it fails after 1 s, as a connection to an unreachable host does under a 1 s connect timeout. "Envoy\'s cap" is the router with `maxEjectionPercent: 10`, Envoy\'s default and the router\'s before issue 12:',
      '',
      table(
        ['dead nodes', 'contender', 'success', 'attempts ÷ calls', 'attempts on dead nodes'],
        (['fail-fast', 'time-out'] as const).flatMap((kind) => {
          const runsOf = threeDead[kind];
          const label = kind === 'fail-fast' ? 'fail fast' : 'time out';
          return [
            [label, ...threeDeadRow('router (defaults)', runsOf.router)],
            [label, ...threeDeadRow('router, round-robin', runsOf.roundRobin)],
            [label, ...threeDeadRow("router, Envoy's cap", runsOf.envoyCap)],
            [label, ...threeDeadRow('no router (round-robin)', runsOf.none)],
          ];
        }),
      ),
      '',
      "Dead nodes that never answer (a black hole) are found only by a timeout that counts against them: the call's deadline (15 s) is the caller's, and does not.",
      '',
      table(
        ['dead nodes', 'contender', 'success', 'attempts ÷ calls', 'attempts on dead nodes'],
        [
          ['never answer', ...threeDeadRow('router (defaults)', hangDefault)],
          ['never answer', ...threeDeadRow('router, `attemptTimeout: 1_000`', hangTimeout)],
        ],
      ),
      '',
      "**A gray failure** (from 10 s, 30% of n1's answers are failures; 1,000 calls/s for 60 s; success from 11 s):",
      '',
      table(
        ['', 'success', 'attempts ÷ calls', 'failed attempts on n1'],
        [
          ['router', percent(gray.successRate), times(gray.attempts / gray.requests), String(failuresOn(gray, 'n1'))],
          [
            'no router (round-robin)',
            percent(grayBaseline.successRate),
            times(grayBaseline.attempts / grayBaseline.requests),
            String(failuresOn(grayBaseline, 'n1')),
          ],
        ],
      ),
      '',
      "**The quick start's tiers** (eu-1 and eu-2 on tier 0, us-1 on tier 1; both primaries die at 10 s; 1,000 calls/s for 40 s; success from 11 s):",
      '',
      table(
        ['', 'success', 'attempts ÷ calls', 'failed attempts on eu-1 and eu-2'],
        [
          ['router (defaults)', tiers],
          ["router, Envoy's cap", tiersEnvoyCap],
          ['no router (round-robin)', tiersBaseline],
        ].map(([label, run]) => {
          const each = run as ScenarioRun;
          return [
            label as string,
            percent(each.successRate),
            times(each.attempts / each.requests),
            String(failuresOn(each, 'eu-1') + failuresOn(each, 'eu-2')),
          ];
        }),
      ),
      '',
      '### Targets (issue 4): scenarios',
      '',
      targetTable([
        { label: 'one dies: success', measured: dies.successRate, limit: 0.999, kind: 'min', format: percent },
        {
          label: 'one dies: failed attempts per client before ejection (worst client)',
          measured: Math.max(...failedBeforeEjection),
          limit: 5,
          kind: 'max',
          format: String,
        },
        {
          label: 'one 10× slower: P2C peak-EWMA p99 ÷ all-healthy p99',
          measured: slowEwma.p99 / allHealthy.p99,
          limit: 1.5,
          kind: 'max',
          format: times,
        },
        {
          label: 'slow tail: hedged p99 ÷ all-healthy p99',
          measured: tailHedged.p99 / allHealthy.p99,
          limit: 1.5,
          kind: 'max',
          format: times,
        },
        {
          label: 'total outage: attempts ÷ calls with the default budget (the issue’s figure)',
          measured: outageBudget.attempts / outageBudget.requests,
          limit: 1.2,
          kind: 'max',
          format: (value) => `${value.toFixed(3)}×`,
        },
        {
          label: 'total outage: naive retries, attempts ÷ calls (for scale)',
          measured: outageNaive.attempts / outageNaive.requests,
          limit: 3,
          kind: 'max',
          format: times,
        },
        { label: 'flapping: success', measured: flap.successRate, limit: 0.999, kind: 'min', format: percent },
      ]),
      '',
      '### Targets (issue 12): several endpoints down, with the defaults',
      '',
      targetTable([
        ...(['fail-fast', 'time-out'] as const).flatMap((kind) => [
          {
            label: `three of five dead (${kind === 'fail-fast' ? 'fail fast' : 'time out'}): success after the first second`,
            measured: threeDead[kind].router.successRate,
            limit: 0.99,
            kind: 'min' as const,
            format: percent,
          },
          {
            label: `three of five dead (${kind === 'fail-fast' ? 'fail fast' : 'time out'}): attempts ÷ calls`,
            measured: threeDead[kind].router.attempts / threeDead[kind].router.requests,
            limit: 1.2,
            kind: 'max' as const,
            format: (value: number) => `${value.toFixed(3)}×`,
          },
        ]),
        {
          label: "quick start's tiers, both primaries dead: success from a second after",
          measured: tiers.successRate,
          limit: 0.99,
          kind: 'min',
          format: percent,
        },
      ]),
    ].join('\n');
  },
};

export default suite;
