import { setMaxListeners } from 'node:events';
import { createDeadline, onAbort, seededRandom, VirtualClock } from '@palisade/core';
import { compare, comparisonTable, formatNs, type Suite, table } from '../harness.ts';

const TIMERS = 1_000;
/** Calls already watching the shared signal in the abort-listener comparison. */
const WATCHERS = 100;

/** Sets TIMERS zero-delay timers and waits until all have fired. */
async function virtualTimers(): Promise<void> {
  const clock = new VirtualClock();
  for (let i = 0; i < TIMERS; i++) clock.setTimeout(() => {}, 0);
  await clock.runAll();
}

async function realTimers(): Promise<void> {
  let remaining = TIMERS;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < TIMERS; i++) setTimeout(() => --remaining === 0 && resolve(), 0);
  });
}

/** A chain of sleeps: what a retry loop or a breaker's open period looks like to a test. */
async function sleepChain(clockKind: 'virtual' | 'real', steps: number, ms: number): Promise<number> {
  const started = performance.now();
  if (clockKind === 'virtual') {
    const clock = new VirtualClock();
    const chain = (async () => {
      for (let i = 0; i < steps; i++) await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    })();
    await clock.runAll();
    await chain;
  } else {
    for (let i = 0; i < steps; i++) await new Promise<void>((resolve) => setTimeout(resolve, ms));
  }
  return performance.now() - started;
}

const suite: Suite = {
  title: '@palisade/core',
  async run() {
    // First: the deadline comparison below leaves a million uncancellable
    // AbortSignal.timeout timers that would slow any real-timer figure after it.
    const chainSteps = 100;
    const virtualChain = await sleepChain('virtual', chainSteps, 10);
    const realChain = await sleepChain('real', chainSteps, 10);

    const timers = await compare(
      [
        { name: 'VirtualClock: set + runAll', fn: virtualTimers },
        { name: 'real setTimeout(0)', fn: realTimers },
      ],
      { time: 500 },
    );
    const perTimer = timers.map((r) => ({
      ...r,
      medianNs: r.medianNs / TIMERS,
      roundsNs: r.roundsNs.map((n) => n / TIMERS),
    }));

    const random = seededRandom(1);
    const draws = await compare(
      [
        { name: 'seededRandom()', fn: () => random() },
        { name: 'Math.random()', fn: () => Math.random() },
      ],
      { batch: 1000 },
    );

    const clock = new VirtualClock();
    const deadlines = await compare(
      [
        { name: 'createDeadline + dispose (VirtualClock)', fn: () => createDeadline(1000, { clock }).dispose() },
        {
          name: 'createDeadline + dispose (realClock)',
          fn: () => createDeadline(1000).dispose(),
        },
        {
          name: 'AbortController + setTimeout + clearTimeout',
          fn: () => {
            const controller = new AbortController();
            clearTimeout(setTimeout(() => controller.abort(), 1000));
          },
        },
        { name: 'AbortSignal.timeout (cannot be cleared)', fn: () => AbortSignal.timeout(1000) },
      ],
      { batch: 200 },
    );

    // A signal many calls watch at once (a request's signal over its fan-out,
    // a shutdown signal): each call joins and leaves while the others wait.
    const shared = new AbortController().signal;
    const noop = (): void => {};
    const others = Array.from({ length: WATCHERS }, () => (): void => {});
    for (const other of others) onAbort(shared, other);
    const platformShared = new AbortController().signal;
    // Node warns past ten listeners on one signal; the warning is the point, but not in the bench's output.
    setMaxListeners(WATCHERS + 1, platformShared);
    for (const other of others) platformShared.addEventListener('abort', other);
    const setShared = new Set<() => void>(others);
    const watching = await compare(
      [
        { name: 'onAbort + dispose', fn: () => onAbort(shared, noop).dispose() },
        {
          name: 'addEventListener + removeEventListener',
          fn: () => {
            platformShared.addEventListener('abort', noop);
            platformShared.removeEventListener('abort', noop);
          },
        },
        {
          name: 'Set add + delete (one platform listener)',
          fn: () => {
            setShared.add(noop);
            setShared.delete(noop);
          },
        },
      ],
      { batch: 200 },
    );

    return [
      '### VirtualClock timer throughput',
      '',
      `Cost per timer of setting ${TIMERS} zero-delay timers and firing them all. The virtual clock waits one macrotask after each firing, so promise chains settle in order; real timers due together fire in one batch.`,
      '',
      comparisonTable(perTimer, ['real setTimeout(0)']),
      '',
      `What that buys: a chain of ${chainSteps} sleeps of 10 ms (a retry loop, an open breaker) takes ${formatNs(virtualChain * 1e6)} on the virtual clock and ${formatNs(realChain * 1e6)} on real timers.`,
      '',
      table(
        ['chain of 100 × 10 ms sleeps', 'wall time'],
        [
          ['VirtualClock', formatNs(virtualChain * 1e6)],
          ['real timers', formatNs(realChain * 1e6)],
        ],
      ),
      '',
      '### Seeded randomness',
      '',
      comparisonTable(draws, ['Math.random()']),
      '',
      '### Deadlines',
      '',
      'A deadline per call is on every hot path of the router. `AbortSignal.timeout` is listed for scale, but it cannot be cleared early and does not run on an injected clock.',
      '',
      comparisonTable(deadlines, ['AbortController + setTimeout + clearTimeout']),
      '',
      '### Watching a shared signal',
      '',
      `One call joins and leaves the watchers of a signal that ${WATCHERS} other calls are watching. \`onAbort\` keeps one platform listener per signal and a linked list behind it; the platform's EventTarget scans its listeners on every add and remove; a \`Set\` behind one platform listener is the design \`onAbort\` replaced.`,
      '',
      comparisonTable(watching, ['addEventListener + removeEventListener']),
    ].join('\n');
  },
};

export default suite;
