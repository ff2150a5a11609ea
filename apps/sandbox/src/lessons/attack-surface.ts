import { BankWorld } from '../worlds/bank/bank-world.ts';
import { allSince, held } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

const WINDOW_MS = 5_000;
const ATTACKS = ['eavesdrop', 'tamper', 'replay', 'impersonate'] as const;

const steps: readonly LessonStep[] = [
  { title: 'Count the links', text: 'Three branches, three links. Each link is something to protect.' },
  {
    title: 'Open two branches',
    text: 'Every branch talks to every other: four branches make six links, five make ten. The surface grows faster than the bank.',
    action: { label: 'Open two branches', actions: [{ type: 'add-node' }, { type: 'add-node' }], at: 1_000 },
  },
  {
    title: 'Attack every link',
    text: 'The attacker listens, tampers and replays on every link, and tries to move money in a branch’s name with its own partner key. On the left nothing gets through; the challenge counts the next 5 seconds.',
    action: {
      label: 'Start the attacks',
      actions: ATTACKS.map((attack) => ({ type: 'attack', attack, on: true }) as const),
      at: 3_000,
    },
  },
  {
    title: 'Drop the access tokens',
    text: 'Without tokens, a node that proved who it is may do anything. The insider’s forged transfers now go through on the left too.',
    action: {
      label: 'Switch tokens off',
      actions: [{ type: 'feature', feature: 'tokens', on: false }],
      at: 10_000,
    },
  },
  {
    title: 'Put them back',
    text: 'Switch tokens on again: the forgeries stop. Try the other switches the same way.',
    action: { label: 'Switch tokens on', actions: [{ type: 'feature', feature: 'tokens', on: true }], at: 14_000 },
  },
];

/** Lesson 6: more nodes, more links, more ways in; and which protection closes which. */
export const attackSurfaceLesson: Lesson = {
  number: 6,
  slug: 'attack-surface',
  title: 'Threats and the attack surface',
  summary: 'Every node you add brings new links to protect; each protection stops a different kind of attack.',
  explanation: [
    'A single computer has one front door. A distributed system has a door on every link between two nodes: with 3 nodes that is 3 links, with 5 nodes it is 10, with 10 nodes 45. Each link is a place where someone can listen, change messages, replay them or pretend to be someone else. That is the attack surface.',
    'No single protection covers all of it. Encryption stops reading and, because sealed messages can’t be changed unnoticed, tampering and replay. An authenticated handshake stops impersonation: a node must prove who it is with a key the directory vouches for. Access tokens stop a known, honest-looking node from doing what it has no right to do.',
    'Here the attacker is an insider: a partner company with its own valid key, but no right to move any branch’s money. Add branches, start the attacks, then switch the protections off one at a time to see which door each one closes.',
  ],
  steps,
  challenge: {
    text: 'Grow the bank to at least 5 branches (10 links) with the attacker listening, tampering, replaying and impersonating, and go 5 seconds with nothing getting through.',
    measures: 'attacks that got through, last 5 s',
    windowMs: WINDOW_MS,
    startsAtStep: 2,
    check(world) {
      const w = bank(world);
      const links = (w.branches.size * (w.branches.size - 1)) / 2;
      const since = allSince(
        w.branchCount.heldSince((count) => count >= 5),
        ...ATTACKS.map((attack) => w.mallory.onSince(attack)),
      );
      const { ready, holding } = held(since, WINDOW_MS, w.now());
      const recent = w.attacksSucceededWithin(WINDOW_MS);
      return {
        passed: ready && recent === 0,
        value: String(recent),
        measured: `${links} links; ${recent} attacks got through in the last 5 s`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 20_000,
  tradeOffs: {
    successRate:
      'Fewer transfers succeed with palisade because every message the attacker tampered with is refused: the transfer fails visibly, where the plain side books whatever arrives, attacks included.',
    p99: 'p99 is higher with palisade: every new channel (five branches open ten of them) starts with a handshake, an extra round trip before the first transfer.',
  },
  controls: ['add-node', 'attacks', 'features'],
  panels: ['topology', 'counters', 'inspector', 'monitor'],
  features: [
    { name: 'encryption', label: 'Encryption', description: 'Nobody can read or change messages unnoticed.' },
    {
      name: 'authentication',
      label: 'Authenticated handshake',
      description: 'Only keys the directory vouches for open a channel.',
    },
    { name: 'tokens', label: 'Access tokens', description: 'A node may only do what its token grants.' },
  ],
  targets: ['branch-a', 'branch-b', 'branch-c'],
  createWorld: (seed, palisade) =>
    new BankWorld(seed, palisade, {
      branches: ['branch-a', 'branch-b', 'branch-c'],
      insider: true,
      transferEveryMs: 400,
    }),
  tourRow: (world) => bank(world).tourRow(),
};
