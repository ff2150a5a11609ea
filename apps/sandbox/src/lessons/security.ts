import { BankWorld } from '../worlds/bank/bank-world.ts';
import { allSince, held } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

const WINDOW_MS = 5_000;
const WIRE_ATTACKS = ['eavesdrop', 'tamper', 'replay'] as const;

const steps: readonly LessonStep[] = [
  {
    title: 'Look at the wire',
    text: 'Open the message inspector. On the right you can read every transfer. On the left, the same transfers are random-looking bytes; only the receiving branch sees the text.',
  },
  {
    title: 'Eavesdrop',
    text: 'The attacker copies every message it sees. Count how many it can actually read.',
    action: {
      label: 'Start eavesdropping',
      actions: [{ type: 'attack', attack: 'eavesdrop', on: true }],
      at: 2_000,
    },
  },
  {
    title: 'Tamper',
    text: 'Now it changes the amount of some transfers on the way. On the right, branches book the wrong amount. On the left, every changed message is refused: a flipped bit breaks the seal.',
    action: { label: 'Start tampering', actions: [{ type: 'attack', attack: 'tamper', on: true }], at: 5_000 },
  },
  {
    title: 'Replay',
    text: 'It sends old messages again. A plain branch pays twice. A sealed message carries a counter, so a copy is refused. With all three attacks on, the challenge counts the next 5 seconds.',
    action: { label: 'Start replaying', actions: [{ type: 'attack', attack: 'replay', on: true }], at: 8_000 },
  },
  {
    title: 'Impersonate',
    text: 'Finally it makes up transfers in a branch’s name. Plain text cannot tell. The handshake can: the attacker has no branch’s key, so it cannot even start a conversation.',
    action: {
      label: 'Start impersonating',
      actions: [{ type: 'attack', attack: 'impersonate', on: true }],
      at: 11_000,
    },
  },
];

/** Lesson 3: what encryption and authentication buy, shown one attack at a time. */
export const securityLesson: Lesson = {
  number: 3,
  slug: 'security',
  title: 'Security: nobody reads it, nobody changes it',
  summary:
    'An attacker on the wire reads and rewrites plain messages, but gets nowhere against an authenticated, encrypted channel.',
  explanation: [
    'Two bank branches send each other transfers over a network they do not own. Anyone with access to a cable or a Wi-Fi router in between can see every message, change it, send it again, or make up new ones.',
    'On the right, the branches send plain text. On the left, they first prove to each other who they are (a handshake with their keys) and then send every message sealed: encrypted, so it cannot be read, and stamped, so any change is noticed. Each message also carries a token that says what the sender is allowed to do.',
    'Switch on the attacks one by one and watch the message inspector and the counters. Integrity means a message arrives exactly as it was sent, or not at all. Authorisation means nobody acts without the right to.',
    'Notice the price: a message the attacker spoiled is refused, so that transfer has to be sent again, and the success rate dips. Security turns silent corruption into a visible failure. Lesson 4 adds the fault-tolerance half, retries, to get both.',
  ],
  steps,
  challenge: {
    text: 'With eavesdropping, tampering and replay all running, go 5 seconds without a single transfer read, changed, replayed or forged.',
    measures: 'attacks that got through, last 5 s',
    windowMs: WINDOW_MS,
    startsAtStep: 3,
    check(world) {
      const w = bank(world);
      const since = allSince(...WIRE_ATTACKS.map((attack) => w.mallory.onSince(attack)));
      const { ready, holding } = held(since, WINDOW_MS, w.now());
      const succeeded = w.attacksSucceededWithin(WINDOW_MS);
      return {
        passed: ready && succeeded === 0 && w.attacksRejected() > 0,
        value: String(succeeded),
        measured:
          since === undefined
            ? `switch on eavesdropping, tampering and replay first (${succeeded} attacks got through in the last 5 s)`
            : `${succeeded} attacks got through in the last 5 s; ${w.attacksRejected()} refused so far`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 18_000,
  tradeOffs: {
    successRate:
      'Fewer transfers succeed with palisade because every message the attacker spoiled is refused: the transfer fails where anyone can see it, instead of being booked with a wrong amount on the plain side.',
  },
  controls: ['attacks', 'features'],
  panels: ['topology', 'inspector', 'counters', 'monitor'],
  features: [
    {
      name: 'encryption',
      label: 'Encrypted channel',
      description: 'Seal every message: unreadable, and any change is detected.',
    },
    { name: 'tokens', label: 'Access tokens', description: 'Every transfer must carry a token that grants it.' },
  ],
  targets: ['branch-a', 'branch-b'],
  createWorld: (seed, palisade) =>
    new BankWorld(seed, palisade, { branches: ['branch-a', 'branch-b'], features: { encryption: true, tokens: true } }),
  tourRow: (world) => bank(world).tourRow(),
};
