import { BankWorld } from '../worlds/bank/bank-world.ts';
import type { Lesson, World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

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
  steps: [
    {
      title: 'Look at the wire',
      text: 'Open the message inspector. On the right you can read every transfer. On the left, the same transfers are random-looking bytes; only the receiving branch sees the text.',
    },
    {
      title: 'Eavesdrop',
      text: 'The attacker copies every message it sees. Count how many it can actually read.',
      action: { label: 'Start eavesdropping', action: { type: 'attack', attack: 'eavesdrop', on: true } },
    },
    {
      title: 'Tamper',
      text: 'Now it changes the amount of some transfers on the way. On the right, branches book the wrong amount. On the left, every changed message is refused: a flipped bit breaks the seal.',
      action: { label: 'Start tampering', action: { type: 'attack', attack: 'tamper', on: true } },
    },
    {
      title: 'Replay',
      text: 'It sends old messages again. A plain branch pays twice. A sealed message carries a counter, so a copy is refused.',
      action: { label: 'Start replaying', action: { type: 'attack', attack: 'replay', on: true } },
    },
    {
      title: 'Impersonate',
      text: 'Finally it makes up transfers in a branch’s name. Plain text cannot tell. The handshake can: the attacker has no branch’s key, so it cannot even start a conversation.',
      action: { label: 'Start impersonating', action: { type: 'attack', attack: 'impersonate', on: true } },
    },
  ],
  challenge: {
    text: 'With eavesdropping, tampering and replay all running, go 5 seconds without a single transfer read, changed, replayed or forged.',
    check(world) {
      const w = bank(world);
      const allOn = w.attacker.active.size >= 3;
      const succeeded = w.attacksSucceededWithin(5_000);
      return {
        passed: allOn && succeeded === 0 && w.attacksRejected() > 0,
        measured: allOn
          ? `${succeeded} attacks got through in the last 5 s; ${w.attacksRejected()} refused so far`
          : 'switch on eavesdropping, tampering and replay first',
      };
    },
  },
  script: [
    { at: 2_000, action: { type: 'attack', attack: 'eavesdrop', on: true } },
    { at: 5_000, action: { type: 'attack', attack: 'tamper', on: true } },
    { at: 8_000, action: { type: 'attack', attack: 'replay', on: true } },
    { at: 11_000, action: { type: 'attack', attack: 'impersonate', on: true } },
  ],
  durationMs: 18_000,
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
