import { BankWorld } from '../worlds/bank/bank-world.ts';
import type { Lesson, World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

/** Lesson 8: security built in from the start, then watched and kept up to date. */
export const secureByDesignLesson: Lesson = {
  number: 8,
  slug: 'secure-by-design',
  title: 'Security from the start, then monitoring and updates',
  summary:
    'Protection is not a wall you build once: watch what the system refuses, rotate keys routinely, and a break-in is caught in seconds.',
  explanation: [
    'The bank was built secure from day one: every branch talks over authenticated, encrypted channels and carries tokens. That is the foundation, and it is much cheaper to lay at the start than to add later.',
    'But keys get stolen and servers fail, so a secure system is also a watched one. The monitoring log lists what the system refused or noticed: circuit breakers that tripped when a branch went down, messages and handshakes that were rejected, tokens that were refused, keys that were revoked or replaced.',
    'Two habits make a break-in short. Keys are rotated routinely, with a short grace period so nobody notices the switch, and a stolen key soon stops working. And a simple rule watches for a key used from the wrong place: the moment it fires, the key is revoked and the branch gets a new one. Compare how long the stolen key lasts here with lesson 7, where someone had to notice and revoke it by hand.',
  ],
  steps: [
    {
      title: 'Let a branch fail',
      text: 'Branch C goes down. The other branches’ circuit breakers trip, and the monitoring log says so.',
      action: { label: 'Take branch C down', action: { type: 'kill', node: 'branch-c' } },
    },
    {
      title: 'Bring it back',
      text: 'C recovers; the breakers probe it and close again.',
      action: { label: 'Restart branch C', action: { type: 'restart', node: 'branch-c' } },
    },
    {
      title: 'Rotate the keys',
      text: 'Every branch gets a new key every 10 seconds. Watch the key numbers climb while transfers carry on: no downtime.',
    },
    {
      title: 'Break in',
      text: 'The attacker steals branch A’s keys. The first time it uses them from its own machine, the monitoring rule fires, A’s key is revoked and A gets a new one.',
      action: { label: 'Compromise branch A', action: { type: 'compromise', node: 'branch-a' } },
    },
  ],
  challenge: {
    text: 'Catch a stolen key within 2 seconds, with at least 99% of transfers succeeding over the last 10 seconds (one full key rotation).',
    check(world) {
      const w = bank(world);
      const usable = w.tally.stolenKeyUsableMs;
      const success = w.log.window(w.now() - 10_000, w.now() - 2_000).successRate;
      const caught = usable !== undefined && usable <= 2_000;
      return {
        passed: caught && success >= 0.99,
        measured:
          usable === undefined
            ? 'no stolen key has been caught yet'
            : `stolen key worked for ${(usable / 1000).toFixed(1)} s; ${(success * 100).toFixed(1)}% of recent transfers succeeded`,
      };
    },
  },
  script: [
    { at: 2_000, action: { type: 'kill', node: 'branch-c' } },
    { at: 6_000, action: { type: 'restart', node: 'branch-c' } },
    { at: 12_000, action: { type: 'compromise', node: 'branch-a' } },
  ],
  durationMs: 24_000,
  controls: ['kill', 'restart', 'compromise', 'revoke', 'rotate', 'features'],
  panels: ['topology', 'monitor', 'counters', 'charts'],
  features: [
    {
      name: 'monitoring',
      label: 'Stolen-key alarm',
      description: 'Revoke and replace a key the moment it is used from the wrong place.',
    },
    { name: 'rotation', label: 'Routine key rotation', description: 'A new key for every branch every 10 seconds.' },
  ],
  targets: ['branch-a', 'branch-b', 'branch-c'],
  createWorld: (seed, palisade) =>
    new BankWorld(seed, palisade, {
      branches: ['branch-a', 'branch-b', 'branch-c'],
      features: { monitoring: true, rotation: true },
      rotateEveryMs: 10_000,
      rotationGraceMs: 1_500,
    }),
  tourRow: (world) => bank(world).tourRow(),
};
