import { BankWorld } from '../worlds/bank/bank-world.ts';
import type { Lesson, World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;
const REVOKE_AT = 12_000;

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
  steps: [
    {
      title: 'A normal day',
      text: 'Three branches send each other transfers over secure channels. Note the key number under each branch.',
    },
    {
      title: 'Compromise branch A',
      text: 'The attacker copies A’s keys and tokens and listens to every link. Watch the counters: it moves money out of A’s accounts, and every try on B’s or C’s money is refused.',
      action: { label: 'Compromise branch A', action: { type: 'compromise', node: 'branch-a' } },
    },
    {
      title: 'Revoke A’s key',
      text: 'Head office revokes A’s key in the directory. Every channel with that key closes, and the attacker’s next handshakes are refused. B and C do not notice.',
      action: { label: 'Revoke branch A', action: { type: 'revoke', node: 'branch-a' } },
    },
    {
      title: 'Give A a new key',
      text: 'A gets a new key (watch its key number) and new tokens, and goes back to work. The stolen key stays useless.',
      action: { label: 'Issue A a new key', action: { type: 'rotate', node: 'branch-a' } },
    },
  ],
  challenge: {
    text: 'Compromise a branch and revoke it. Nothing may be read or forged between the other branches, and after the revocation no forged transfer may get through at all.',
    check(world) {
      const w = bank(world);
      const revoked = w.monitor.count('key revoked') > 0;
      const clean = w.tally.read === 0 && w.tally.forgedFromOthers === 0 && w.tally.applied.tampered === 0;
      return {
        passed: revoked && clean,
        measured: revoked
          ? `${w.tally.read} messages read, ${w.tally.forgedFromOthers} transfers forged outside the compromised branch`
          : 'compromise a branch, then revoke it',
      };
    },
  },
  script: [
    { at: 2_000, action: { type: 'compromise', node: 'branch-a' } },
    { at: REVOKE_AT, action: { type: 'revoke', node: 'branch-a' } },
    { at: 16_000, action: { type: 'rotate', node: 'branch-a' } },
  ],
  durationMs: 22_000,
  controls: ['compromise', 'revoke', 'rotate', 'attacks'],
  panels: ['topology', 'counters', 'monitor', 'inspector'],
  features: [{ name: 'tokens', label: 'Access tokens', description: 'A token says whose money a branch may move.' }],
  targets: ['branch-a', 'branch-b', 'branch-c'],
  createWorld: (seed, palisade) => new BankWorld(seed, palisade, { branches: ['branch-a', 'branch-b', 'branch-c'] }),
  tourRow: (world) => bank(world).tourRow(),
};
