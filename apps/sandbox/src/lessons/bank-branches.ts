import { BankWorld } from '../worlds/bank/bank-world.ts';
import { held } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;
const REVOKE_AT = 12_000;

const WINDOW_MS = 5_000;

const steps: readonly LessonStep[] = [
  {
    title: 'A normal day',
    text: 'Three branches send each other transfers over secure channels. Note the key number under each branch.',
  },
  {
    title: 'Compromise branch A',
    text: 'The attacker copies A’s keys and tokens and listens to every link. Watch the counters: it moves money out of A’s accounts, and every try on B’s or C’s money is refused.',
    action: { label: 'Compromise branch A', actions: [{ type: 'compromise', node: 'branch-a' }], at: 2_000 },
  },
  {
    title: 'Revoke A’s key',
    text: 'Head office revokes A’s key in the directory. Every channel with that key closes, and the attacker’s next handshakes are refused. B and C do not notice. The challenge watches the next 5 seconds.',
    action: { label: 'Revoke branch A', actions: [{ type: 'revoke', node: 'branch-a' }], at: REVOKE_AT },
  },
  {
    title: 'Give A a new key',
    text: 'A gets a new key (watch its key number) and new tokens, and goes back to work. The stolen key stays useless.',
    action: { label: 'Issue A a new key', actions: [{ type: 'rotate', node: 'branch-a' }], at: 16_000 },
  },
];

/** Lesson 7: one branch falls, the others stand. */
export const bankBranchesLesson: Lesson = {
  number: 7,
  slug: 'bank',
  title: 'The bank with many branches',
  summary:
    'An attacker steals one branch’s keys: it can act as that branch, and only that branch, until its key is revoked.',
  explanation: [
    'A bank has three branches. Each branch has its own keys, and the bank’s head office keeps a directory of which key belongs to which branch. Every transfer travels over a channel that both ends opened with their keys, and carries a token that says whose money the sender may move.',
    'Now an attacker breaks into branch A and copies its keys and tokens. What can it do? It can pretend to be branch A, because it holds A’s keys. It cannot read or change anything that branch B and branch C say to each other, because those channels use B’s and C’s keys. And it cannot move B’s or C’s money, because A’s tokens only cover A’s accounts.',
    'That is the point of giving every branch its own keys: a break-in stays one branch wide. Revoke A’s key in the directory, and from that moment nobody accepts it, from the attacker or anyone else. The other branches keep working. A comes back with a new key.',
  ],
  steps,
  challenge: {
    text: 'Compromise a branch and revoke its key. Nothing may be read or forged between the other branches, and for 5 seconds after the revocation no forged transfer may get through at all.',
    measures: 'forged transfers accepted since the revocation',
    windowMs: WINDOW_MS,
    startsAtStep: 2,
    check(world) {
      const w = bank(world);
      const stolen = w.mallory.stolen;
      const revokedAt = stolen === undefined ? undefined : w.keys.revokedAt(stolen.branch);
      const since = revokedAt !== undefined && stolen !== undefined && revokedAt >= stolen.at ? revokedAt : undefined;
      const { ready, holding } = held(since, WINDOW_MS, w.now());
      const clean = w.tally.read === 0 && w.tally.forgedFromOthers === 0 && w.tally.applied.tampered === 0;
      const forgedSince =
        since === undefined ? w.tally.applied.forged : w.tally.successTimes.filter((at) => at >= since).length;
      return {
        passed: ready && clean && forgedSince === 0,
        value: since === undefined ? '–' : String(forgedSince),
        measured:
          stolen === undefined
            ? 'compromise a branch, then revoke it'
            : since === undefined
              ? `the attacker holds ${stolen.branch}’s keys: revoke them (${w.tally.forgedFromCompromised} transfers forged in its name so far)`
              : `${forgedSince} forged transfers accepted since the revocation; between the other branches ${w.tally.read} messages read, ${w.tally.forgedFromOthers} transfers forged`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 22_000,
  tradeOffs: {
    successRate:
      'A few transfers fail with palisade: revoking A’s key closes every channel that used it, and the transfers in flight on them are lost; that is how the stolen key stops working at once.',
    p99: 'p99 is higher with palisade: channels start with a handshake, and when A gets its new key every channel to A is opened again.',
  },
  controls: ['compromise', 'revoke', 'rotate', 'attacks'],
  panels: ['topology', 'counters', 'monitor', 'inspector'],
  features: [{ name: 'tokens', label: 'Access tokens', description: 'A token says whose money a branch may move.' }],
  targets: ['branch-a', 'branch-b', 'branch-c'],
  createWorld: (seed, palisade) => new BankWorld(seed, palisade, { branches: ['branch-a', 'branch-b', 'branch-c'] }),
  tourRow: (world) => bank(world).tourRow(),
};
