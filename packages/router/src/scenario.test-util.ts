import { seededRandom, VirtualClock } from '@palisade/core';
// The package's own name, not `./router.js`: the benchmark runs this file under Node's type stripping,
// where the name resolves to the built package (and a `.js` path to a source file would not resolve at all).
import { Router, type RouterOptions, TokenRetryThrottle } from '@palisade/router';
import {
  type Behaviour,
  blackHole,
  Cluster,
  dead,
  failingShare,
  healthy,
  type Outcome,
  percentile,
  runLoad,
  SimulatedNode,
  successRate,
} from './simulation.test-util.ts';

/**
 * The fault scenarios, shared by the tests (which assert them) and the
 * benchmark suite (which records them, `bench/src/suites/router.ts`):
 * simulated nodes on a virtual clock, seeded, under steady load from one or
 * more clients. Each named scenario takes the router's options, so the same
 * run compares the defaults with other settings and with no router at all.
 */

export const NODE_IDS = ['n0', 'n1', 'n2', 'n3', 'n4'] as const;
/** Healthy latency: 10 ms plus an exponential tail of mean 3 ms (p99 ≈ 24 ms). */
export const healthyNode: Behaviour = healthy(10, 0.3);

/** A node of a scenario's cluster: its id and its tier. */
export interface NodeSpec {
  readonly id: string;
  readonly priority?: number;
}

const FIVE_NODES: readonly NodeSpec[] = NODE_IDS.map((id) => ({ id }));
/** The README quick start's endpoints: two primaries and a standby. */
export const QUICK_START_NODES: readonly NodeSpec[] = [{ id: 'eu-1' }, { id: 'eu-2' }, { id: 'us-1', priority: 1 }];

export interface ScenarioRun {
  readonly outcomes: Outcome[];
  readonly requests: number;
  /** Calls of the function, over all clients: the load the nodes saw. */
  readonly attempts: number;
  /** Success rate of the calls started at or after `measureFrom`. */
  readonly successRate: number;
  readonly p50: number;
  readonly p99: number;
  readonly routers: readonly Router<string>[];
  readonly cluster: Cluster;
  readonly clock: VirtualClock;
  /** Wall-clock milliseconds the run took. */
  readonly wallMs: number;
}

export interface ScenarioOptions {
  readonly seed?: number;
  readonly clients?: number;
  /** The cluster's nodes. @default five nodes, n0 to n4, on one tier */
  readonly nodes?: readonly NodeSpec[];
  /** Calls per second, per client. */
  readonly rate: number;
  readonly duration: number;
  /** Router options, or `undefined` for the baseline: plain round-robin calls, no router, no retries. */
  readonly router: RouterOptions<string> | undefined;
  /** Changes the nodes as time passes: called every 100 ms of the run, from 0, before any call of that moment. */
  readonly script?: (cluster: Cluster, now: number) => void;
  /** Only calls started at or after this time count in the percentiles and success rate. */
  readonly measureFrom?: number;
  readonly setup?: (router: Router<string>, client: number, clock: VirtualClock) => void;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioRun> {
  const started = performance.now();
  const { seed = 1, clients = 1, nodes = FIVE_NODES, rate, duration, script, measureFrom = 0 } = options;
  const clock = new VirtualClock();
  const cluster = new Cluster(
    clock,
    nodes.map(({ id }) => new SimulatedNode(id, healthyNode)),
    seed,
  );
  const routers = Array.from({ length: clients }, (_, client) => {
    const router = new Router<string>({
      clock,
      random: seededRandom(seed * 1_000 + client),
      endpoints: nodes.map(({ id, priority }) => ({ id, data: id, ...(priority === undefined ? {} : { priority }) })),
      ...options.router,
    });
    options.setup?.(router, client, clock);
    return router;
  });
  if (script !== undefined) {
    for (let at = 0; at < duration; at += 100) clock.setTimeout(() => script(cluster, clock.now()), at);
  }
  let roundRobin = 0;
  const send =
    options.router === undefined
      ? () => cluster.request(cluster.node((nodes[roundRobin++ % nodes.length] as NodeSpec).id))
      : (index: number) => (routers[index % clients] as Router<string>).execute(cluster.call);
  const outcomes = await runLoad(clock, { rate: rate * clients, duration }, send);
  const measured = outcomes.filter((outcome) => outcome.startedAt >= measureFrom);
  const latencies = measured.filter((outcome) => outcome.ok).map((outcome) => outcome.latency);
  let attempts = 0;
  for (const node of cluster.nodes.values()) attempts += node.requests;
  // Stops their health checks at once; nothing waits for the calls still in flight.
  for (const router of routers) void router.close();
  return {
    outcomes,
    requests: outcomes.length,
    attempts,
    successRate: successRate(measured),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    routers,
    cluster,
    clock,
    wallMs: performance.now() - started,
  };
}

/** Sets the behaviour of the nodes `ids` from `from` (ms) until `until`, and the healthy one outside. */
export function between(ids: readonly string[], behaviour: Behaviour, from: number, until = Number.POSITIVE_INFINITY) {
  return (cluster: Cluster, now: number): void => {
    for (const id of ids) cluster.node(id).behaviour = now >= from && now < until ? behaviour : healthyNode;
  };
}

/** A node that is down between `from` and `until` (ms), refusing requests after 1 ms. */
export function downBetween(id: string, from: number, until = Number.POSITIVE_INFINITY) {
  return between([id], dead(1), from, until);
}

/** Multiplies a behaviour's latency. */
export function slower(factor: number, behaviour: Behaviour = healthyNode): Behaviour {
  return (now, random) => {
    const answer = behaviour(now, random);
    return answer === 'hang' ? answer : { latency: answer.latency * factor, fail: answer.fail };
  };
}

/** Every `share` of the responses takes `factor` times as long: a slow tail no balancer can see coming. */
export function withSlowTail(share: number, factor: number, behaviour: Behaviour = healthyNode): Behaviour {
  return (now, random) => {
    const answer = behaviour(now, random);
    if (answer === 'hang' || random() >= share) return answer;
    return { latency: answer.latency * factor, fail: answer.fail };
  };
}

// --- the named scenarios ---------------------------------------------------------------

type Setup = ScenarioOptions['setup'];

/** One of five dies: n2 refuses every call from 10 s; 3 clients × 200 calls/s for 60 s. */
export const oneOfFiveDies = (router: RouterOptions<string> | undefined, setup?: Setup) =>
  runScenario({ clients: 3, rate: 200, duration: 60_000, router, script: downBetween('n2', 10_000), setup });

/** All five healthy; 500 calls/s for 60 s: the reference for the latency scenarios. */
export const allHealthy = (router: RouterOptions<string> | undefined) =>
  runScenario({ rate: 500, duration: 60_000, router });

/** One of five becomes 10× slower: n3 from 10 s; 500 calls/s for 60 s. */
export const oneOfFiveSlower = (router: RouterOptions<string> | undefined) =>
  runScenario({ rate: 500, duration: 60_000, router, script: between(['n3'], slower(10), 10_000) });

/** A slow tail: 2% of every node's responses take 10× as long; 500 calls/s for 60 s. */
export const slowTail = (router: RouterOptions<string> | undefined) =>
  runScenario({ rate: 500, duration: 60_000, router, script: between(NODE_IDS, withSlowTail(0.02, 10), 0) });

/** Total outage: every node refuses every call; 1,000 calls/s. */
export const totalOutage = (router: RouterOptions<string> | undefined, duration = 60_000) =>
  runScenario({ rate: 1_000, duration, router, script: between(NODE_IDS, dead(1), 0) });

/** The retry limits the outage compares: the default budget, gRPC's throttle (a fresh one per call), none. */
export const outageLimits = {
  budget: (): RouterOptions<string> => ({}),
  throttle: (): RouterOptions<string> => ({ budget: new TokenRetryThrottle() }),
  none: (): RouterOptions<string> => ({ budget: false }),
};

/** n1 flaps from 10 s: down 3 s of every 7; 100 calls/s for ten minutes. */
export const flapping = (router: RouterOptions<string> | undefined, setup?: Setup) =>
  runScenario({
    rate: 100,
    duration: 600_000,
    router,
    setup,
    script: (cluster, now) => {
      cluster.node('n1').behaviour = now >= 10_000 && now % 7_000 < 3_000 ? dead(1) : healthyNode;
    },
  });

/**
 * How the dead nodes of "three of five dead" fail: `fail-fast` refuses after
 * 1 ms (a closed port); `time-out` fails after 1 s (an unreachable host
 * under a 1 s connect timeout); `hang` never answers until the attempt's
 * signal aborts (a black hole), which only a timeout can end.
 */
export type DeadKind = 'fail-fast' | 'time-out' | 'hang';

const deadBehaviours: Record<DeadKind, Behaviour> = { 'fail-fast': dead(1), 'time-out': dead(1_000), hang: blackHole };

/** Three of five are dead from the start (n2, n3, n4); 1,000 calls/s for 20 s, measured after the first second. */
export const threeOfFiveDead = (kind: DeadKind, router: RouterOptions<string> | undefined, setup?: Setup) =>
  runScenario({
    rate: 1_000,
    duration: 20_000,
    measureFrom: 1_000,
    router,
    setup,
    script: between(['n2', 'n3', 'n4'], deadBehaviours[kind], 0),
  });

/** A gray failure: from 10 s, 30% of n1's answers are failures; 1,000 calls/s for 60 s, measured from 11 s. */
export const grayFailure = (router: RouterOptions<string> | undefined, setup?: Setup) =>
  runScenario({
    rate: 1_000,
    duration: 60_000,
    measureFrom: 11_000,
    router,
    setup,
    script: between(['n1'], failingShare(0.3, healthyNode), 10_000),
  });

/**
 * The README quick start's tiers: eu-1 and eu-2 on tier 0, us-1 on tier 1.
 * Both primaries die at 10 s; 1,000 calls/s for 40 s, measured from 11 s.
 */
export const quickStartTiers = (router: RouterOptions<string> | undefined, setup?: Setup) =>
  runScenario({
    nodes: QUICK_START_NODES,
    rate: 1_000,
    duration: 40_000,
    measureFrom: 11_000,
    router,
    setup,
    script: between(['eu-1', 'eu-2'], dead(1), 10_000),
  });
