import { KvWorld } from '../worlds/kv/kv-world.ts';
import type { Lesson, World } from './lesson.ts';

const kv = (world: World): KvWorld => world as KvWorld;

/** Lesson 5: a database with no single home for any piece of data. */
export const decentralizedDatabaseLesson: Lesson = {
  number: 5,
  slug: 'database',
  title: 'A decentralized database',
  summary:
    'Keep every piece of data on three nodes: when one goes down, reads and writes go to the others, and it catches up when it returns.',
  explanation: [
    'A database spread over five nodes stores each piece of data, each key, on three of them. Which three is decided by hashing the key, so every node can work it out without asking anyone. There is no master: any node can take a request and pass it on to the key’s three copies.',
    'A write counts as done when two of the three copies have it. A read asks the copies and takes the newest answer it hears from two of them. Because two plus two is more than three, every read overlaps with the latest write: it never misses it.',
    'Now take a node down. Its keys still have two live copies, so reads and writes carry on. While it is away, another node keeps the writes meant for it and hands them over when it comes back, and reads that notice an old copy fix it. On the right, each key lives on a single node: when that node is down, its keys are simply gone.',
  ],
  steps: [
    { title: 'Steady state', text: 'Clients read and write keys. Every copy is up to date.' },
    {
      title: 'Take a node down',
      text: 'Node 3 crashes. On the left, its keys are served by their other copies, and writes meant for it are held by a stand-in. On the right, one key in five is unreachable.',
      action: { label: 'Kill node 3', action: { type: 'kill', node: 'node-3' } },
    },
    {
      title: 'Watch the copies fall behind',
      text: 'The counter “copies out of date” grows: node 3 misses every write while it is down.',
    },
    {
      title: 'Bring it back',
      text: 'Node 3 restarts. The stand-ins hand their writes over, reads repair what is left, and “copies out of date” drops back to zero.',
      action: { label: 'Restart node 3', action: { type: 'restart', node: 'node-3' } },
    },
  ],
  challenge: {
    text: 'With a node down, keep 99% of reads and writes succeeding for 5 seconds with no read returning old data; then bring it back until no copy is out of date.',
    check(world) {
      const w = kv(world);
      const outage = w.log.faults.findLast((fault) => fault.to !== undefined && fault.to - fault.from >= 5_000);
      const down = w.nodes.some((node) => node.status === 'down');
      const stale = w.staleCopies();
      if (outage === undefined || outage.to === undefined) {
        return { passed: false, measured: 'take a node down for at least 5 seconds, then bring it back' };
      }
      const during = w.log.window(outage.from + 500, outage.to);
      const passed = during.successRate >= 0.99 && w.tally.staleReads === 0 && !down && stale === 0;
      return {
        passed,
        measured: `${(during.successRate * 100).toFixed(1)}% succeeded while ${outage.label} was down; ${w.tally.staleReads} stale reads; ${stale} copies out of date now`,
      };
    },
  },
  script: [
    { at: 3_000, action: { type: 'kill', node: 'node-3' } },
    { at: 11_000, action: { type: 'restart', node: 'node-3' } },
  ],
  durationMs: 18_000,
  controls: ['kill', 'restart', 'load'],
  panels: ['topology', 'counters', 'charts', 'dots'],
  features: [],
  load: { min: 50, max: 800, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new KvWorld(seed, palisade),
  tourRow: (world) => kv(world).tourRow(),
};
