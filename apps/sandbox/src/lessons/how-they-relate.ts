import { ClusterWorld } from '../worlds/cluster/cluster-world.ts';
import type { Lesson, World } from './lesson.ts';

const cluster = (world: World): ClusterWorld => world as ClusterWorld;

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
  steps: [
    {
      title: 'Scale out',
      text: 'Add nodes: each one adds a link to every client. Count the links.',
      action: { label: 'Add a node', action: { type: 'add-node' } },
    },
    {
      title: 'Attack the links',
      text: 'The attacker reads, changes and replays messages on every link.',
      action: { label: 'Start tampering', action: { type: 'attack', attack: 'tamper', on: true } },
    },
    {
      title: 'Lose a node',
      text: 'A node crashes in the middle of the attack. On the left, users still get their answers, and none of them is corrupted.',
      action: { label: 'Kill node 2', action: { type: 'kill', node: 'node-2' } },
    },
  ],
  challenge: {
    text: 'With at least 5 nodes, the attacker tampering and a node down, keep 99% of requests succeeding over 5 seconds with nothing corrupted, replayed or read.',
    check(world) {
      const w = cluster(world);
      const now = w.now();
      const recent = w.log.window(now - 6_000, now - 1_000);
      const down = w.nodes.filter((node) => node.status === 'down').length;
      const attacked = (w.attacker?.active.size ?? 0) > 0;
      const clean = w.attacksSucceeded() === 0;
      return {
        passed: w.nodes.length >= 5 && down >= 1 && attacked && recent.successRate >= 0.99 && clean,
        measured: `${w.nodes.length} nodes, ${down} down; ${(recent.successRate * 100).toFixed(1)}% succeeded; ${w.attacksSucceeded()} attacks got through`,
      };
    },
  },
  script: [
    { at: 1_000, action: { type: 'add-node' } },
    { at: 2_000, action: { type: 'add-node' } },
    { at: 4_000, action: { type: 'attack', attack: 'eavesdrop', on: true } },
    { at: 4_000, action: { type: 'attack', attack: 'tamper', on: true } },
    { at: 4_000, action: { type: 'attack', attack: 'replay', on: true } },
    { at: 9_000, action: { type: 'kill', node: 'node-2' } },
  ],
  durationMs: 18_000,
  controls: ['add-node', 'remove-node', 'kill', 'restart', 'attacks', 'load'],
  panels: ['topology', 'charts', 'counters', 'inspector'],
  features: [],
  load: { min: 50, max: 600, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new ClusterWorld(seed, palisade, { nodes: 3, clients: 2, rps: 150, secure: true }),
  tourRow: (world) => cluster(world).tourRow(),
};
