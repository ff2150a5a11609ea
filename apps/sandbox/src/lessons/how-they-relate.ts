import { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import { allSince, held, percentDown, SETTLE_MS } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const cluster = (world: World): ClusterWorld => world as ClusterWorld;

const WINDOW_MS = 5_000;
const ATTACKS = ['eavesdrop', 'tamper', 'replay'] as const;

const steps: readonly LessonStep[] = [
  {
    title: 'Scale out',
    text: 'Two more nodes: each one adds a link to every client. Five nodes and two clients make ten links to protect.',
    action: { label: 'Add two nodes', actions: [{ type: 'add-node' }, { type: 'add-node' }], at: 1_000 },
  },
  {
    title: 'Attack the links',
    text: 'The attacker reads, changes and replays messages on every link. On the left each spoiled message is refused, and the router sends the request again to another node.',
    action: {
      label: 'Start the attacks',
      actions: ATTACKS.map((attack) => ({ type: 'attack', attack, on: true }) as const),
      at: 4_000,
    },
  },
  {
    title: 'Lose a node',
    text: 'A node crashes in the middle of the attack. On the left, users still get their answers, and none of them is corrupted. The challenge counts from here.',
    action: { label: 'Kill node 2', actions: [{ type: 'kill', node: 'node-2' }], at: 9_000 },
  },
];

/** Lesson 4: scalability, fault tolerance and security in one scene. */
export const howTheyRelateLesson: Lesson = {
  number: 4,
  slug: 'how-they-relate',
  title: 'How the three relate',
  summary:
    'Scaling out adds links, replicas add fault tolerance, and every new link needs protecting: one scene, all three at once.',
  explanation: [
    'The three ideas pull on each other. To handle more load you add nodes (scalability). Having several nodes that can do the same job means one can fail without taking the service down (fault tolerance). But every node you add is connected to others, and every connection is one more place to attack (security).',
    'So the three have to be built together. Here two clients talk to a growing set of nodes while an attacker sits on every link. On the left, every link is an authenticated, encrypted channel, and the clients route around failures with retries. A message the attacker spoils is refused, and the router simply sends the request again to another node: security turns an attack into a failure, and fault tolerance turns the failure into a retry that succeeds.',
    'On the right, the same cluster talks in plain text with no router. Watch what the attacker gets away with, and what a crash costs.',
  ],
  steps,
  challenge: {
    text: 'With at least 5 nodes, the attacker reading, changing and replaying on every link, and a node down, keep 99% of requests succeeding over 5 seconds with nothing corrupted, replayed or read.',
    measures: 'of requests succeeded, last 5 s',
    windowMs: WINDOW_MS,
    startsAtStep: 2,
    check(world) {
      const w = cluster(world);
      const now = w.now();
      const since = allSince(
        w.servers.heldSince((count) => count >= 5),
        w.down.heldSince((count) => count >= 1),
        ...ATTACKS.map((attack) => w.attacker?.onSince(attack)),
      );
      const { ready, holding } = held(since, WINDOW_MS + SETTLE_MS, now);
      const recent = w.log.window(now - WINDOW_MS - SETTLE_MS, now - SETTLE_MS);
      const down = w.nodes.filter((node) => node.status === 'down').length;
      const clean = w.attacksSucceeded() === 0;
      return {
        passed: ready && recent.requests > 0 && recent.successRate >= 0.99 && clean,
        value: percentDown(recent.successRate),
        measured: `${w.nodes.length} nodes, ${down} down; ${percentDown(recent.successRate)} succeeded in the last 5 s; ${w.attacksSucceeded()} attacks got through`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 18_000,
  tradeOffs: {
    p99: 'p99 is higher with palisade: a request whose message the attacker spoiled, or that met the dead node, is sent again to another node, so it succeeds a little later instead of failing or arriving corrupted.',
  },
  controls: ['add-node', 'remove-node', 'kill', 'restart', 'attacks', 'load'],
  panels: ['topology', 'charts', 'counters', 'inspector'],
  features: [],
  load: { min: 50, max: 600, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new ClusterWorld(seed, palisade, { nodes: 3, clients: 2, rps: 150, secure: true }),
  tourRow: (world) => cluster(world).tourRow(),
};
