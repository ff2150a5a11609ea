import { CLUSTER_FEATURES, ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';
import { OUTAGE_WINDOW_MS, survivesOutage } from './survive-outage.ts';

const cluster = (world: World): ClusterWorld => world as ClusterWorld;

const steps: readonly LessonStep[] = [
  { title: 'All healthy', text: 'Five nodes, steady traffic. Every dot is green on both sides.' },
  {
    title: 'Kill a node',
    text: 'Node 2 crashes. On the right, one request in five now fails. On the left, a few requests are retried, the breaker opens, and traffic flows around the dead node.',
    action: { label: 'Kill node 2', actions: [{ type: 'kill', node: 'node-2' }], at: 3_000 },
  },
  {
    title: 'Kill another',
    text: 'Two of five down. The right side loses 40% of its requests; the left keeps going on the three that are left. The challenge counts from here: stay on this step for 6 seconds.',
    action: { label: 'Kill node 4', actions: [{ type: 'kill', node: 'node-4' }], at: 7_000 },
  },
  {
    title: 'Bring one back',
    text: 'Node 2 restarts, but traffic does not return at once. Its breaker keeps it out until the current ejection runs out, and every probe that failed while the node was down made the next ejection longer (4 s, then 8, then 12…). So after a long outage the node waits up to a few more seconds: a node that just came back is often not healthy yet, and the router would rather not bet users on it. Then a single probe goes through, and traffic flows back.',
    action: { label: 'Restart node 2', actions: [{ type: 'restart', node: 'node-2' }], at: 15_000 },
  },
  {
    title: 'Slow one down',
    text: 'Node 1 becomes ten times slower without failing. The router measures each node’s latency and sends the slow one less work.',
    action: { label: 'Slow down node 1', actions: [{ type: 'slow', node: 'node-1' }], at: 20_000 },
  },
];

/** Lesson 2: parts fail, the whole keeps working. */
export const faultToleranceLesson: Lesson = {
  number: 2,
  slug: 'fault-tolerance',
  title: 'Fault tolerance: nodes fail, the service doesn’t',
  summary: 'Kill nodes and watch the router stop sending to them and retry elsewhere: users barely notice.',
  explanation: [
    'Five nodes serve the same requests. Machines crash, networks hiccup, a disk fills up: in a big enough system something is always broken. Fault tolerance means the service keeps working anyway.',
    'On the left, every client sends its requests through a router. The router keeps a circuit breaker per node: after a few failures in a row it stops sending to that node for a while (the breaker “opens”), then tries it again carefully. A request that fails is retried once or twice on another node, but only within a budget, so that retries cannot pile up and make an outage worse.',
    'On the right, clients just send each request to the next node in turn, once. Kill a node and compare: the Hystrix-style badges show each node’s request rate and errors, and the dots show every request, green for success and red for failure.',
  ],
  steps,
  challenge: {
    text: 'Keep at least 99% of requests succeeding over 5 seconds while 2 of the 5 nodes are down.',
    measures: 'of requests succeeded, last 5 s',
    windowMs: OUTAGE_WINDOW_MS,
    startsAtStep: 2,
    check: (world) => survivesOutage(cluster(world), 2),
  },
  script: scriptOf(steps),
  durationMs: 30_000,
  tradeOffs: {
    p99: 'p99 is higher with palisade: a request that hit a dead node is retried on another one, so the user waits a little longer instead of getting an error.',
  },
  controls: ['kill', 'restart', 'slow', 'partition', 'load', 'add-node', 'remove-node', 'features'],
  panels: ['topology', 'charts', 'dots', 'monitor'],
  features: CLUSTER_FEATURES,
  load: { min: 50, max: 1_000, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new ClusterWorld(seed, palisade, { nodes: 5, clients: 2, rps: 200 }),
  tourRow: (world) => cluster(world).tourRow(),
};
