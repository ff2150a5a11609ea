import { ShardWorld } from '../worlds/shards/shard-world.ts';
import { held, SETTLE_MS } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const shards = (world: World): ShardWorld => world as ShardWorld;
const TARGET_RPS = 800;
const P99_TARGET_MS = 150;
const WINDOW_MS = 5_000;

const steps: readonly LessonStep[] = [
  { title: 'Calm', text: 'Two nodes, 150 requests a second. Latency is low on both sides.' },
  {
    title: 'Ramp up the load',
    text: 'Push 500 requests a second: more than two nodes can serve. Watch the p99 latency climb as the queues grow.',
    action: { label: 'Load: 500 requests/s', actions: [{ type: 'load', rps: 500 }], at: 3_000 },
  },
  {
    title: 'Add two nodes',
    text: 'Two more nodes take their share and latency drops back. On the ring, see how few users moved on the left, and how many on the right. On the left a moving user waits until their old node has finished their earlier requests, so the latency peak lasts a moment longer there: that wait is what keeps each user’s requests in order.',
    action: { label: 'Add two nodes', actions: [{ type: 'add-node' }, { type: 'add-node' }], at: 7_000 },
  },
  {
    title: 'Grow again',
    text: `Now ${TARGET_RPS} requests a second: four nodes are not enough. The challenge counts from here.`,
    action: { label: `Load: ${TARGET_RPS} requests/s`, actions: [{ type: 'load', rps: TARGET_RPS }], at: 13_000 },
  },
  {
    title: 'Scale out to match',
    text: 'Two more nodes, six in all: latency flattens again. Keep an eye on how many users each step moves, and on the out-of-order counter.',
    action: { label: 'Add two more nodes', actions: [{ type: 'add-node' }, { type: 'add-node' }], at: 14_000 },
  },
];

/** Lesson 1: more load, more nodes, same speed. */
export const scalabilityLesson: Lesson = {
  number: 1,
  slug: 'scalability',
  title: 'Scalability: more load, same speed',
  summary: 'When load grows, add nodes: throughput rises, latency stays flat, and only a few users have to move.',
  explanation: [
    'A service handles requests from thousands of users. Each node can serve about 200 requests a second. Push more than that at it and requests wait in line: the slowest 1% (the p99 latency) shoots up. That is a system that does not scale.',
    'Scaling out means adding nodes and spreading the work across them. The work is spread by user: every request of the same user goes to the same node, so that user’s data lives in one place and their requests run in order.',
    'The hard part is the moment you add a node. Some users must move to it. With consistent hashing (left), only about 1 in (n+1) users moves, and a user who moves waits until the old node has finished their earlier requests. With the simple “user number mod n” rule (right), almost everyone moves at once, and one user’s requests can run on two nodes at the same time and finish out of order. Watch the hash ring and the “out of order” counter.',
  ],
  steps,
  challenge: {
    text: `Push the load to ${TARGET_RPS} requests a second, then keep the p99 latency under ${P99_TARGET_MS} ms for 5 seconds at that load, with every request served and none out of order.`,
    measures: 'p99 latency, last 5 s',
    windowMs: WINDOW_MS,
    startsAtStep: 3,
    check(world) {
      const w = shards(world);
      const now = w.now();
      const since = w.load.heldSince((rps) => rps >= TARGET_RPS);
      const { ready, holding } = held(since, WINDOW_MS + SETTLE_MS, now);
      const recent = w.log.window(now - WINDOW_MS - SETTLE_MS, now - SETTLE_MS);
      const served = recent.ok / (WINDOW_MS / 1000);
      const passed = ready && served >= TARGET_RPS * 0.95 && recent.p99 <= P99_TARGET_MS && w.orderViolations === 0;
      return {
        passed,
        value: `${recent.p99.toFixed(0)} ms`,
        measured: `${w.rps} requests/s offered, ${served.toFixed(0)} served a second; p99 ${recent.p99.toFixed(0)} ms; ${w.orderViolations} out of order`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 24_000,
  tradeOffs: {
    p99: 'p99 is a little higher with palisade: the queue runs each user’s requests one at a time, in order, and hands a moved user over only once the old node has finished with them; without it requests overtake each other (the “out of order” count).',
  },
  controls: ['load', 'add-node', 'remove-node'],
  panels: ['charts', 'ring', 'topology', 'counters'],
  features: [],
  load: { min: 50, max: 1_200, step: 50 },
  targets: [],
  createWorld: (seed, palisade) => new ShardWorld(seed, palisade, { shards: 2, rps: 150 }),
  tourRow: (world) => shards(world).tourRow(),
};
