import { CLUSTER_FEATURES, ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import type { Lesson, World } from './lesson.ts';
import { OUTAGE_WINDOW_MS, survivesOutage } from './survive-outage.ts';

const cluster = (world: World): ClusterWorld => world as ClusterWorld;
const NODES = 10;

/**
 * Free play: a ten-node cluster at a thousand requests a second, every
 * control unlocked, no script. It is also the size the app's frame-time
 * budget is measured at.
 */
export const freePlayLesson: Lesson = {
  number: 0,
  slug: 'free-play',
  title: 'Free play',
  summary: 'Ten nodes, a thousand requests a second, every control unlocked: break things and see what holds.',
  explanation: [
    'No steps and no script: the cluster from the fault-tolerance lesson, grown to ten nodes and a thousand requests a second. On the left the clients use the router; on the right they do not.',
    'Kill several nodes at once, slow some down, split the network, push the load up and down, add and remove nodes. Watch where the two sides part ways.',
  ],
  steps: [],
  challenge: {
    text: 'Take down half the nodes and still keep 99% of requests succeeding over 5 seconds.',
    measures: 'of requests succeeded, last 5 s',
    windowMs: OUTAGE_WINDOW_MS,
    startsAtStep: 0,
    check: (world) => survivesOutage(cluster(world), Math.ceil(cluster(world).nodes.length / 2)),
  },
  tradeOffs: {},
  script: [],
  durationMs: 30_000,
  controls: ['kill', 'restart', 'slow', 'partition', 'load', 'add-node', 'remove-node', 'features'],
  panels: ['topology', 'charts', 'dots', 'monitor'],
  features: CLUSTER_FEATURES,
  load: { min: 100, max: 2_000, step: 100 },
  targets: Array.from({ length: NODES }, (_, i) => `node-${i + 1}`),
  createWorld: (seed, palisade) => new ClusterWorld(seed, palisade, { nodes: NODES, clients: 3, rps: 1_000 }),
  tourRow: (world) => cluster(world).tourRow(),
};
