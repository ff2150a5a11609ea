import { seededRandom, VirtualClock } from '@palisade/core';
import type { RouterOptions } from './options.js';
import { Router } from './router.js';
import {
  type Behaviour,
  Cluster,
  dead,
  healthy,
  type Outcome,
  percentile,
  runLoad,
  SimulatedNode,
  successRate,
} from './simulation.test-util.js';

/**
 * The fault scenarios of issue 4, shared by the tests (which assert them) and
 * the benchmark suite (which records them): five simulated nodes on a virtual
 * clock, seeded, under steady load from one or more clients.
 */

export const NODE_IDS = ['n0', 'n1', 'n2', 'n3', 'n4'] as const;
/** Healthy latency: 10 ms plus an exponential tail of mean 3 ms (p99 ≈ 24 ms). */
export const healthyNode: Behaviour = healthy(10, 0.3);

export interface ScenarioRun {
  readonly outcomes: Outcome[];
  readonly requests: number;
  /** Calls of the function, over all clients: the load the nodes saw. */
  readonly attempts: number;
  readonly successRate: number;
  readonly p50: number;
  readonly p99: number;
  readonly routers: readonly Router<string>[];
  readonly cluster: Cluster;
  readonly clock: VirtualClock;
}

export interface ScenarioOptions {
  readonly seed?: number;
  readonly clients?: number;
  /** Calls per second, per client. */
  readonly rate: number;
  readonly duration: number;
  /** Router options, or `undefined` for the baseline: plain round-robin calls, no router, no retries. */
  readonly router: RouterOptions<string> | undefined;
  /** Changes the nodes as time passes: called every `tick` ms of the run. */
  readonly script?: (cluster: Cluster, now: number) => void;
  /** Only calls started at or after this time count in the percentiles and success rate. */
  readonly measureFrom?: number;
  readonly setup?: (router: Router<string>, client: number, clock: VirtualClock) => void;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioRun> {
  const { seed = 1, clients = 1, rate, duration, script, measureFrom = 0 } = options;
  const clock = new VirtualClock();
  const cluster = new Cluster(
    clock,
    NODE_IDS.map((id) => new SimulatedNode(id, healthyNode)),
    seed,
  );
  const routers = Array.from({ length: clients }, (_, client) => {
    const router = new Router<string>({
      clock,
      random: seededRandom(seed * 1_000 + client),
      endpoints: cluster.endpoints,
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
      ? () => cluster.request(cluster.node(NODE_IDS[roundRobin++ % NODE_IDS.length] as string))
      : (index: number) => (routers[index % clients] as Router<string>).execute(cluster.call);
  const outcomes = await runLoad(clock, { rate: rate * clients, duration }, send);
  const measured = outcomes.filter((outcome) => outcome.startedAt >= measureFrom);
  const latencies = measured.filter((outcome) => outcome.ok).map((outcome) => outcome.latency);
  let attempts = 0;
  for (const node of cluster.nodes.values()) attempts += node.requests;
  for (const router of routers) router.dispose();
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
  };
}

/** A node that is down between `from` and `until` (ms), refusing requests after 1 ms. */
export function downBetween(id: string, from: number, until = Number.POSITIVE_INFINITY) {
  return (cluster: Cluster, now: number): void => {
    cluster.node(id).behaviour = now >= from && now < until ? dead(1) : healthyNode;
  };
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
