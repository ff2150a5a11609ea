import { BankWorld } from '../worlds/bank/bank-world.ts';
import { held, percentDown, SETTLE_MS } from './challenge-window.ts';
import { type Lesson, type LessonStep, scriptOf, type World } from './lesson.ts';

const bank = (world: World): BankWorld => world as BankWorld;

const WINDOW_MS = 10_000;
const CATCH_MS = 2_000;

const steps: readonly LessonStep[] = [
  {
    title: 'Let a branch fail',
    text: 'Branch C goes down. The other branches’ circuit breakers trip, and the monitoring log says so.',
    action: { label: 'Take branch C down', actions: [{ type: 'kill', node: 'branch-c' }], at: 2_000 },
  },
  {
    title: 'Bring it back',
    text: 'C recovers; the breakers probe it and close again.',
    action: { label: 'Restart branch C', actions: [{ type: 'restart', node: 'branch-c' }], at: 6_000 },
  },
  {
    title: 'Rotate the keys',
    text: 'Every branch gets a new key every 10 seconds. Watch the key numbers climb while transfers carry on: no downtime.',
  },
  {
    title: 'Break in',
    text: 'The attacker steals branch A’s keys. The first time it uses them from its own machine, the monitoring rule fires, A’s key is revoked and A gets a new one. The challenge then watches the next 10 seconds of transfers.',
    action: { label: 'Compromise branch A', actions: [{ type: 'compromise', node: 'branch-a' }], at: 12_000 },
  },
];

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
  steps,
  challenge: {
    text: 'Break in: catch the stolen key within 2 seconds, and keep at least 99% of transfers succeeding for the 10 seconds that follow (a routine key rotation included).',
    measures: 'how long the stolen key worked',
    windowMs: WINDOW_MS,
    startsAtStep: 3,
    check(world) {
      const w = bank(world);
      const stolen = w.mallory.stolen;
      const usable = w.tally.stolenKeyUsableMs;
      const caught = usable !== undefined && usable <= CATCH_MS;
      const { ready, holding } = held(stolen?.at, WINDOW_MS + SETTLE_MS, w.now());
      const from = stolen === undefined ? w.now() - WINDOW_MS - SETTLE_MS : stolen.at;
      const success = w.log.window(Math.max(from, w.now() - WINDOW_MS - SETTLE_MS), w.now() - SETTLE_MS);
      const share = percentDown(success.successRate);
      return {
        passed: ready && caught && success.successRate >= 0.99,
        value: usable === undefined ? '–' : `${(usable / 1000).toFixed(1)} s`,
        measured:
          stolen === undefined
            ? `no break-in yet; ${share} of recent transfers succeeded`
            : usable === undefined
              ? 'the stolen key still works'
              : `stolen key worked for ${(usable / 1000).toFixed(1)} s; ${share} of transfers succeeded since the break-in`,
        holding,
      };
    },
  },
  script: scriptOf(steps),
  durationMs: 26_000,
  tradeOffs: {
    successRate:
      'A few more transfers fail with palisade: after branch C comes back, the breakers keep refusing calls to it until a probe gets through, so some transfers fail at once instead of waiting on a branch that may still be down.',
    p99: 'p99 is higher with palisade: every key rotation (every 10 s) opens each channel again with a handshake, an extra round trip for the transfers that wait on it.',
  },
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
