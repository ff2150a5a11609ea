import { KvWorld } from '../worlds/kv/kv-world.ts';
import { percentDown } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const kv = (world: World): KvWorld => world as KvWorld;

const WINDOW_MS = 5_000;

const steps: readonly LessonStep[] = [
  { title: 'Steady state', text: 'Clients read and write keys. Every copy is up to date.' },
  {
    title: 'Take a node down',
    text: 'Node 3 crashes. On the left, its keys are served by their other copies, and writes meant for it are held by a stand-in. On the right, one key in five is out of reach. Keep it down for at least 5 seconds: that is what the challenge measures.',
    action: { label: 'Kill node 3', actions: [{ type: 'kill', node: 'node-3' }], at: 3_000 },
  },
  {
    title: 'Watch the copies fall behind',
    text: 'On the left, “copies still to catch up” grows: node 3 misses every write while it is down, but users never notice, because two other copies answer. On the right there is nothing to catch up: the keys that lived only on node 3 simply cannot be read or written.',
  },
  {
    title: 'Bring it back',
    text: 'Node 3 restarts. The stand-ins hand their writes over, reads repair what is left, and “copies still to catch up” drops back to zero.',
    action: { label: 'Restart node 3', actions: [{ type: 'restart', node: 'node-3' }], at: 11_000 },
  },
];

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
  steps,
  challenge: {
    text: 'Take a node down for at least 5 seconds and keep 99% of reads and writes succeeding meanwhile, with no read returning old data; then bring it back until no copy is out of date.',
    measures: 'of reads and writes answered while the node was down',
    windowMs: WINDOW_MS,
    startsAtStep: 1,
    check(world) {
      const w = kv(world);
      const outage = w.log.faults.at(-1);
      const down = w.nodes.filter((node) => node.status === 'down').length;
      const stale = w.staleCopies();
      if (outage === undefined) {
        return { passed: false, value: '–', measured: 'take a node down for at least 5 seconds, then bring it back' };
      }
      const share = outage.requests === 0 ? 1 : outage.ok / outage.requests;
      const lasted = (outage.to ?? w.now()) - outage.from;
      const long = lasted >= WINDOW_MS;
      const passed =
        outage.to !== undefined && long && share >= 0.99 && w.tally.staleReads === 0 && down === 0 && stale === 0;
      const where = outage.to === undefined ? `${outage.label} is down` : `${outage.label} was down`;
      return {
        passed,
        value: percentDown(share),
        measured: `${percentDown(share)} answered while ${where} (${(lasted / 1000).toFixed(1)} s); ${w.tally.staleReads} stale reads; ${stale} copies still to catch up`,
        holding: outage.to === undefined ? { since: outage.from, needMs: WINDOW_MS } : undefined,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 18_000,
  tradeOffs: {
    p99: 'p99 is higher with palisade: a write waits for two of its three copies and a read hears from two, where the plain side asks one node (and fails when that node is down).',
  },
  controls: ['kill', 'restart', 'load'],
  panels: ['topology', 'counters', 'charts', 'dots'],
  features: [],
  load: { min: 50, max: 800, step: 50 },
  targets: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'],
  createWorld: (seed, palisade) => new KvWorld(seed, palisade),
  tourRow: (world) => kv(world).tourRow(),
};
