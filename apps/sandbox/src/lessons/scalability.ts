import { ShardWorld } from '../worlds/shards/shard-world.ts';
import type { Lesson, World } from './lesson.ts';

const shards = (world: World): ShardWorld => world as ShardWorld;
const TARGET_RPS = 800;
const P99_TARGET_MS = 150;

/** Lesson 1: more load, more nodes, same speed. */
export const scalabilityLesson: Lesson = {
  number: 1,
  slug: 'scalability',
  title: 'Scalability: more load, same speed',
  summary: 'When load grows, add nodes: throughput rises, latency stays flat, and only a few users have to move.',
  explanation: [
    'A service handles requests from thousands of users. Each node can serve about 200 requests a second. Push more than that at it and requests wait in line: the slowest 1% (the p99 latency) shoots up. That is a system that does not scale.',
    'Scaling out means adding nodes and spreading the work across them. The work is spread by user: every request of the same user goes to the same node, so that user’s data lives in one place and their requests run in order.',
    'The hard part is the moment you add a node. Some users must move to it. With consistent hashing (left), only about 1 in (n+1) users moves. With the simple “user number mod n” rule (right), almost everyone moves, and while they do, one user’s requests can run on two nodes at once and finish out of order. Watch the hash ring and the “out of order” counter.',
  ],
  steps: [
    { title: 'Calm', text: 'Two nodes, 150 requests a second. Latency is low on both sides.' },
    {
      title: 'Ramp up the load',
      text: 'Push 500 requests a second: more than two nodes can serve. Watch the p99 latency climb as the queues grow.',
      action: { label: 'Load: 500 requests/s', action: { type: 'load', rps: 500 } },
    },
    {
      title: 'Add a node',
      text: 'A third node takes its share. Latency drops back. On the ring, see how few users moved on the left.',
      action: { label: 'Add a node', action: { type: 'add-node' } },
    },
    {
      title: 'Grow again',
      text: 'Now 800 requests a second. Add nodes until latency is flat again, and keep an eye on how many users each step moves.',
      action: { label: 'Load: 800 requests/s', action: { type: 'load', rps: TARGET_RPS } },
    },
  ],
  challenge: {
    text: `Serve ${TARGET_RPS} requests a second with the p99 latency under ${P99_TARGET_MS} ms, as calm as at the start, and no request out of order.`,
    check(world) {
      const w = shards(world);
      const now = w.now();
      const recent = w.log.window(now - 4_000, now - 1_000);
      const served = recent.ok / 3;
      const passed =
        w.rps >= TARGET_RPS && served >= TARGET_RPS * 0.95 && recent.p99 <= P99_TARGET_MS && w.orderViolations === 0;
      return {
        passed,
        measured: `${served.toFixed(0)} requests/s served, p99 ${recent.p99.toFixed(0)} ms, ${w.orderViolations} out of order`,
      };
    },
  },
  script: [
    { at: 3_000, action: { type: 'load', rps: 500 } },
    { at: 7_000, action: { type: 'add-node' } },
    { at: 8_000, action: { type: 'add-node' } },
    { at: 13_000, action: { type: 'load', rps: TARGET_RPS } },
    { at: 14_000, action: { type: 'add-node' } },
    { at: 15_000, action: { type: 'add-node' } },
  ],
  durationMs: 24_000,
  controls: ['load', 'add-node', 'remove-node'],
  panels: ['charts', 'ring', 'topology', 'counters'],
  features: [],
  load: { min: 50, max: 1_200, step: 50 },
  targets: [],
  createWorld: (seed, palisade) => new ShardWorld(seed, palisade, { shards: 2, rps: 150 }),
  tourRow: (world) => shards(world).tourRow(),
};
