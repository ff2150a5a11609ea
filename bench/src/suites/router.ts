import { createDeadline, type Random, seededRandom, VirtualClock } from '@palisade/core';
import { type Endpoint, Router, type RouterOptions, TokenRetryThrottle } from '@palisade/router';
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
    router.dispose();
    noDeadline.dispose();
  }
}

// --- fault scenarios (the same as packages/router/src/scenario.test.ts) --------------

type Answer = { readonly latency: number; readonly fail: boolean };
type Behaviour = (now: number, random: Random) => Answer;

const NODES = ['n0', 'n1', 'n2', 'n3', 'n4'];
/** 10 ms plus an exponential tail of mean 3 ms. */
const healthy: Behaviour = (_now, random) => ({ latency: 10 * (1 - 0.3 * Math.log(1 - random())), fail: false });
const dead: Behaviour = () => ({ latency: 1, fail: true });
const slower =
  (factor: number): Behaviour =>
  (now, random) => {
    const answer = healthy(now, random);
    return { latency: answer.latency * factor, fail: false };
  };
const slowTail: Behaviour = (now, random) => {
  const answer = healthy(now, random);
  return random() < 0.02 ? { latency: answer.latency * 10, fail: false } : answer;
};

interface Run {
  readonly requests: number;
  readonly attempts: number;
  readonly successRate: number;
  readonly p99: number;
  readonly nodeFailures: Map<string, number>;
  readonly wallMs: number;
}

interface ScenarioSpec {
  readonly clients?: number;
  readonly rate: number;
  readonly duration: number;
  /** `undefined`: plain round-robin calls without a router. */
  readonly router: RouterOptions<string> | undefined;
  readonly behaviour: (id: string, now: number) => Behaviour;
  readonly setup?: (router: Router<string>, client: number, clock: VirtualClock) => void;
}

async function scenario(spec: ScenarioSpec): Promise<Run> {
  const started = performance.now();
  const { clients = 1, rate, duration } = spec;
  const clock = new VirtualClock();
  const random = seededRandom(1);
  const requests = new Map(NODES.map((id) => [id, 0]));
  const failures = new Map(NODES.map((id) => [id, 0]));
  const call = (id: string, signal?: AbortSignal): Promise<string> => {
    requests.set(id, (requests.get(id) as number) + 1);
    const answer = spec.behaviour(id, clock.now())(clock.now(), random);
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        if (!answer.fail) return resolve(id);
        failures.set(id, (failures.get(id) as number) + 1);
        reject(new Error(`${id} down`));
      }, answer.latency);
      signal?.addEventListener('abort', () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      });
    });
  };
  const routers = Array.from({ length: clients }, (_, client) => {
    const router = new Router<string>({
      clock,
      random: seededRandom(1_000 + client),
      endpoints: NODES.map((id) => ({ id, data: id })),
      ...spec.router,
    });
    spec.setup?.(router, client, clock);
    return router;
  });
  const viaRouter = (endpoint: Endpoint<string>, signal: AbortSignal) => call(endpoint.data, signal);
  let next = 0;
  const latencies: number[] = [];
  let ok = 0;
  let total = 0;
  const pending: Promise<void>[] = [];
  const perTick = (rate * clients) / 100;
  for (let at = 0; at < duration; at += 10) {
    clock.setTimeout(() => {
      for (let i = 0; i < perTick; i++) {
        const index = next++;
        const startedAt = clock.now();
        const promise =
          spec.router === undefined
            ? call(NODES[index % NODES.length] as string)
            : (routers[index % clients] as Router<string>).execute(viaRouter);
        total++;
        pending.push(
          promise.then(
            () => {
              ok++;
              latencies.push(clock.now() - startedAt);
            },
            () => {},
          ),
        );
      }
    }, at);
  }
  await clock.advanceTo(duration + 60_000);
  await Promise.all(pending);
  for (const router of routers) router.dispose();
  latencies.sort((a, b) => a - b);
  let attempts = 0;
  for (const count of requests.values()) attempts += count;
  return {
    requests: total,
    attempts,
    successRate: ok / total,
    p99: latencies[Math.max(0, Math.ceil(0.99 * latencies.length) - 1)] ?? Number.NaN,
    nodeFailures: failures,
    wallMs: performance.now() - started,
  };
}

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

    // One of five dies at 10 s; three clients, 200 calls/s each, for a minute.
    const failedBeforeEjection = [0, 0, 0];
    const ejected = [false, false, false];
    const diesAt = (id: string, now: number) => (id === 'n2' && now >= 10_000 ? dead : healthy);
    const dies = await scenario({
      clients: 3,
      rate: 200,
      duration: 60_000,
      router: {},
      behaviour: diesAt,
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
    const diesBaseline = await scenario({
      clients: 3,
      rate: 200,
      duration: 60_000,
      router: undefined,
      behaviour: diesAt,
    });

    // One of five becomes 10× slower at 10 s; 500 calls/s.
    const slowAt = (id: string, now: number) => (id === 'n3' && now >= 10_000 ? slower(10) : healthy);
    const allHealthy = await scenario({ rate: 500, duration: 60_000, router: {}, behaviour: () => healthy });
    const slowEwma = await scenario({ rate: 500, duration: 60_000, router: {}, behaviour: slowAt });
    const slowLeast = await scenario({
      rate: 500,
      duration: 60_000,
      router: { balancer: 'least-outstanding' },
      behaviour: slowAt,
    });
    const slowRoundRobin = await scenario({
      rate: 500,
      duration: 60_000,
      router: { balancer: 'round-robin' },
      behaviour: slowAt,
    });
    const tailPlain = await scenario({ rate: 500, duration: 60_000, router: {}, behaviour: () => slowTail });
    const tailHedged = await scenario({
      rate: 500,
      duration: 60_000,
      router: { hedge: { percentile: 0.95 } },
      behaviour: () => slowTail,
    });

    // Total outage: every node refuses every call; 1,000 calls/s.
    const outageBudget = await scenario({ rate: 1_000, duration: 60_000, router: {}, behaviour: () => dead });
    const outageNaive = await scenario({
      rate: 1_000,
      duration: 60_000,
      router: { budget: false },
      behaviour: () => dead,
    });
    const outageThrottle = await scenario({
      rate: 1_000,
      duration: 60_000,
      router: { budget: new TokenRetryThrottle() },
      behaviour: () => dead,
    });

    // n1 flaps from 10 s: down 3 s of every 7; 100 calls/s for ten minutes.
    const flapAt = (id: string, now: number) => (id === 'n1' && now >= 10_000 && now % 7_000 < 3_000 ? dead : healthy);
    const ejections: number[] = [];
    const flap = await scenario({
      rate: 100,
      duration: 600_000,
      router: {},
      behaviour: flapAt,
      setup: (router) => {
        router.onEject(({ endpoint, duration }) => {
          if (endpoint.id === 'n1') ejections.push(duration / 1_000);
        });
      },
    });
    const flapBaseline = await scenario({ rate: 100, duration: 600_000, router: undefined, behaviour: flapAt });

    const scenarioWall = [
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
    ].reduce((sum, run) => sum + run.wallMs, 0);

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
      `### Fault scenarios (virtual clock, seeded; ${(scenarioWall / 1_000).toFixed(1)} s of wall time for ${13} runs)`,
      '',
      'Five simulated nodes answer in 10 ms plus an exponential tail of mean 3 ms. The router runs with its defaults unless a row says otherwise; "no router" sends each call to the next node in turn, once.',
      '',
      '**One of five dies** (n2 refuses every call from 10 s; 3 clients × 200 calls/s for 60 s):',
      '',
      table(
        ['', 'success', 'failed attempts on n2'],
        [
          ['router', percent(dies.successRate), String(dies.nodeFailures.get('n2'))],
          ['no router (round-robin)', percent(diesBaseline.successRate), String(diesBaseline.nodeFailures.get('n2'))],
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
          ['router', percent(flap.successRate), String(flap.nodeFailures.get('n1'))],
          ['no router (round-robin)', percent(flapBaseline.successRate), String(flapBaseline.nodeFailures.get('n1'))],
        ],
      ),
      '',
      `Ejections of n1, in seconds: ${ejections.join(', ')}.`,
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
    ].join('\n');
  },
};

export default suite;
