import { CLUSTER_FEATURES, ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import type { Lesson, World } from './lesson.ts';
import { survivesOutage } from './survive-outage.ts';

const cluster = (world: World): ClusterWorld => world as ClusterWorld;

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
  steps: [
    { title: 'All healthy', text: 'Five nodes, steady traffic. Every dot is green on both sides.' },
    {
      title: 'Kill a node',
      text: 'Node 2 crashes. On the right, one request in five now fails. On the left, a few requests are retried, the breaker opens, and traffic flows around the dead node.',
      action: { label: 'Kill node 2', action: { type: 'kill', node: 'node-2' } },
    },
    {
      title: 'Kill another',
      text: 'Two of five down. The right side loses 40% of its requests; the left keeps going on the three that are left.',
      action: { label: 'Kill node 4', action: { type: 'kill', node: 'node-4' } },
    },
    {
      title: 'Bring one back',
      text: 'Node 2 restarts. Its breaker probes it with a single request and, once it answers, lets traffic back in.',
      action: { label: 'Restart node 2', action: { type: 'restart', node: 'node-2' } },
    },
    {
      title: 'Slow one down',
      text: 'Node 1 becomes ten times slower without failing. The router measures each node’s latency and sends the slow one less work.',
      action: { label: 'Slow down node 1', action: { type: 'slow', node: 'node-1' } },
    },
  ],
  challenge: {
    text: 'Keep at least 99% of requests succeeding over 5 seconds while 2 of the 5 nodes are down.',
    check: (world) => survivesOutage(cluster(world), 2),
  },
  script: [
    { at: 3_000, action: { type: 'kill', node: 'node-2' } },
    { at: 7_000, action: { type: 'kill', node: 'node-4' } },
    { at: 13_000, action: { type: 'restart', node: 'node-2' } },
    { at: 18_000, action: { type: 'slow', node: 'node-1' } },
  ],
  durationMs: 30_000,
  controls: ['kill', 'restart', 'slow', 'partition', 'load', 'add-node', 'remove-node', 'features'],
  panels: ['topology', 'charts', 'dots', 'monitor'],
  features: CLUSTER_FEATURES,
  load: { min: 50, max: 1_000, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new ClusterWorld(seed, palisade, { nodes: 5, clients: 2, rps: 200 }),
  tourRow: (world) => cluster(world).tourRow(),
};
