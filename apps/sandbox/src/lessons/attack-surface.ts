import { BankWorld } from '../worlds/bank/bank-world.ts';
import type { Lesson, World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

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
  steps: [
    { title: 'Count the links', text: 'Three branches, three links. Each link is something to protect.' },
    {
      title: 'Open a branch',
      text: 'One more branch means three more links: six in all. Open another and it is ten.',
      action: { label: 'Open a branch', action: { type: 'add-node' } },
    },
    {
      title: 'Attack every link',
      text: 'The attacker listens, tampers and replays on every link, and tries to move money in a branch’s name.',
      action: { label: 'Start the attacks', action: { type: 'attack', attack: 'impersonate', on: true } },
    },
    {
      title: 'Drop the access tokens',
      text: 'Without tokens, a node that proved who it is may do anything. The insider’s forged transfers now go through on the left too.',
      action: { label: 'Switch tokens off', action: { type: 'feature', feature: 'tokens', on: false } },
    },
    {
      title: 'Put them back',
      text: 'Switch tokens on again: the forgeries stop. Try the other switches the same way.',
      action: { label: 'Switch tokens on', action: { type: 'feature', feature: 'tokens', on: true } },
    },
  ],
  challenge: {
    text: 'Grow the bank to at least 5 branches (10 links) with every attack running, and go 5 seconds with nothing getting through.',
    check(world) {
      const w = bank(world);
      const links = (w.branches.size * (w.branches.size - 1)) / 2;
      const attacking = w.attacker.active.size >= 3;
      const recent = w.attacksSucceededWithin(5_000);
      return {
        passed: links >= 10 && attacking && recent === 0,
        measured: `${links} links; ${recent} attacks got through in the last 5 s`,
      };
    },
  },
  script: [
    { at: 1_000, action: { type: 'add-node' } },
    { at: 3_000, action: { type: 'attack', attack: 'eavesdrop', on: true } },
    { at: 3_000, action: { type: 'attack', attack: 'tamper', on: true } },
    { at: 3_000, action: { type: 'attack', attack: 'replay', on: true } },
    { at: 3_000, action: { type: 'attack', attack: 'impersonate', on: true } },
    { at: 10_000, action: { type: 'feature', feature: 'tokens', on: false } },
    { at: 14_000, action: { type: 'feature', feature: 'tokens', on: true } },
  ],
  durationMs: 20_000,
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
