import {
  BreakerRegistry,
  CircuitBreaker,
  type CircuitBreakerOptions,
  ConsecutiveFailuresRule,
  CountWindowRule,
  TimeWindowRule,
} from '@palisade/breaker';
import { type Clock, VirtualClock } from '@palisade/core';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import {
  type ContenderResult,
  compare,
  comparisonTable,
  formatNs,
  retainedBytes,
  type Suite,
  table,
  targetTable,
} from '../harness.ts';

const BATCH = 200;
const KEYS = 1_000_000;
const IDLE_TIMEOUT = 60_000;

const work = (): Promise<number> => Promise.resolve(1);
const failure = new Error('down');
const failing = (): Promise<never> => Promise.reject(failure);
const noop = (): void => {};

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const perKey = (bytes: number, keys: number): string => `${Math.round(bytes / keys)} B`;

function byName(results: readonly ContenderResult[], name: string): number {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no contender named ${name}`);
  return result.medianNs;
}

/** Heap plus ArrayBuffer memory: the count window keeps its ring in an ArrayBuffer, outside the JS heap. */
function usedBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the breaker suite needs node --expose-gc (npm run bench passes it)');
  gc();
  gc();
}

async function closedState(): Promise<ContenderResult[]> {
  const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const opossum = new Opossum(work);
  const consecutive = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 5 }) });
  const countWindow = new CircuitBreaker({ rule: new CountWindowRule({ size: 100 }) });
  const timeWindow = new CircuitBreaker({ rule: new TimeWindowRule({ duration: 10_000, buckets: 10 }) });
  const slowCalls = new CircuitBreaker({ rule: new CountWindowRule({ size: 100, slowCallDuration: 1_000 }) });
  try {
    return await compare(
      [
        { name: 'bare await fn()', fn: () => work() },
        { name: 'cockatiel ConsecutiveBreaker execute', fn: () => cockatiel.execute(work) },
        { name: 'opossum fire', fn: () => opossum.fire() },
        { name: 'palisade consecutive', fn: () => consecutive.execute(work) },
        { name: 'palisade count window', fn: () => countWindow.execute(work) },
        { name: 'palisade time window', fn: () => timeWindow.execute(work) },
        { name: 'palisade count window + slow calls', fn: () => slowCalls.execute(work) },
      ],
      { batch: BATCH },
    );
  } finally {
    opossum.shutdown();
  }
}

async function openState(): Promise<ContenderResult[]> {
  const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 1e9, breaker: new ConsecutiveBreaker(1) });
  await cockatiel.execute(failing).catch(noop);
  const opossum = new Opossum(work, { resetTimeout: 1e9 });
  opossum.open();
  const palisade = new CircuitBreaker({ halfOpenAfter: 1e9, rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
  await palisade.execute(failing).catch(noop);
  const rejectedPromise = new Error('rejected');
  try {
    return await compare(
      [
        { name: 'Promise.reject(e).catch()', fn: () => Promise.reject(rejectedPromise).catch(noop) },
        { name: 'cockatiel open execute', fn: () => cockatiel.execute(work).catch(noop) },
        { name: 'opossum open fire', fn: () => opossum.fire().catch(noop) },
        { name: 'palisade open execute', fn: () => palisade.execute(work).catch(noop) },
      ],
      { batch: BATCH },
    );
  } finally {
    opossum.shutdown();
  }
}

async function permits(): Promise<ContenderResult[]> {
  const closed = new CircuitBreaker({ rule: new CountWindowRule({ size: 100 }) });
  const open = new CircuitBreaker({ halfOpenAfter: 1e9, rule: new ConsecutiveFailuresRule({ threshold: 1 }) });
  await open.execute(failing).catch(noop);
  return compare(
    [
      {
        name: 'tryAcquire + success (closed, count window)',
        fn: () => {
          const permit = closed.tryAcquire();
          if (permit.admitted) permit.success(0);
        },
      },
      { name: 'tryAcquire (open: rejection)', fn: () => open.tryAcquire() },
      { name: 'state + retryAfter read (open)', fn: () => open.state + open.retryAfter },
    ],
    { batch: 1_000 },
  );
}

interface RegistryMemory {
  readonly liveBytes: number;
  readonly afterEvictionBytes: number;
  readonly sweepKeepMs: number;
  readonly sweepEvictMs: number;
  /** The longest time one timer callback of the sweeps ran: how long the sweep holds the event loop. */
  readonly longestPauseMs: number;
  readonly createMs: number;
}

/** The virtual clock, timing each timer callback it runs. */
function pauseTimingClock(clock: VirtualClock): { clock: Clock; longest: () => number } {
  let longest = 0;
  return {
    clock: {
      now: () => clock.now(),
      setTimeout: (callback, ms) =>
        clock.setTimeout(() => {
          const started = performance.now();
          callback();
          longest = Math.max(longest, performance.now() - started);
        }, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    },
    longest: () => longest,
  };
}

/** A registry with `keys` keys (one call each), then every key idle until evicted, on the virtual clock. */
async function registryMemory(keys: number, options: () => CircuitBreakerOptions): Promise<RegistryMemory> {
  const clock = new VirtualClock();
  const timing = pauseTimingClock(clock);
  collect();
  const baseline = usedBytes();
  const registry = new BreakerRegistry<string>({ clock: timing.clock, idleTimeout: IDLE_TIMEOUT, breaker: options });
  const started = performance.now();
  for (let i = 0; i < keys; i++) {
    const permit = registry.get(`endpoint-${i}`).tryAcquire();
    if (permit.admitted) permit.success(1);
  }
  const createMs = performance.now() - started;
  collect();
  const liveBytes = usedBytes() - baseline;
  // First sweep: every key was used since creation, so each is kept and noted.
  let sweepStarted = performance.now();
  await clock.advance(IDLE_TIMEOUT);
  const sweepKeepMs = performance.now() - sweepStarted;
  if (registry.size !== keys) throw new Error(`expected ${keys} keys after the first sweep, got ${registry.size}`);
  // Second sweep: nothing was used since the first, so everything goes.
  sweepStarted = performance.now();
  await clock.advance(IDLE_TIMEOUT);
  const sweepEvictMs = performance.now() - sweepStarted;
  if (registry.size !== 0) throw new Error(`expected an empty registry, got ${registry.size} keys`);
  collect();
  const afterEvictionBytes = usedBytes() - baseline;
  // Keep the registry alive through the measurement.
  registry.clear();
  return { liveBytes, afterEvictionBytes, sweepKeepMs, sweepEvictMs, longestPauseMs: timing.longest(), createMs };
}

const suite: Suite = {
  title: '@palisade/breaker',
  async run() {
    const closed = await closedState();
    const open = await openState();
    const permit = await permits();

    const consecutiveMemory = await registryMemory(KEYS, () => ({}));
    const windowKeys = 100_000;
    const countMemory = await registryMemory(windowKeys, () => ({ rule: new CountWindowRule({ size: 100 }) }));
    const timeMemory = await registryMemory(windowKeys, () => ({ rule: new TimeWindowRule() }));
    const { bytes: emptyRegistry } = await retainedBytes(() => new BreakerRegistry<string>());

    const bare = byName(closed, 'bare await fn()');
    const overhead = (name: string) => byName(closed, name) - bare;
    const cockatielOverhead = overhead('cockatiel ConsecutiveBreaker execute');
    const opossumOverhead = overhead('opossum fire');
    const overheadRows = [
      'palisade consecutive',
      'palisade count window',
      'palisade time window',
      'palisade count window + slow calls',
      'cockatiel ConsecutiveBreaker execute',
      'opossum fire',
    ].map((name) => [
      name,
      formatNs(overhead(name)),
      `${(overhead(name) / cockatielOverhead).toFixed(2)}×`,
      `${(overhead(name) / opossumOverhead).toFixed(2)}×`,
    ]);

    const ratioTarget = (label: string, name: string, reference: number, limit: number) => ({
      label,
      measured: overhead(name) / reference,
      limit,
      kind: 'max' as const,
      format: (value: number) => `${value.toFixed(2)}×`,
    });
    const nsTarget = (label: string, measured: number) => ({
      label,
      measured,
      limit: 300,
      kind: 'max' as const,
      format: formatNs,
    });
    const afterEvictionLimit = 1 * 2 ** 20;

    return [
      '### Closed state: time per call',
      '',
      `Each contender runs \`fn = () => Promise.resolve(1)\`; ${BATCH} awaited calls per sample. opossum runs with its defaults (a 10 s timeout timer per call).`,
      '',
      comparisonTable(closed, ['bare await fn()', 'cockatiel ConsecutiveBreaker execute', 'opossum fire']),
      '',
      '### Closed state: overhead per call',
      '',
      'Overhead is the median time per call minus the bare `await fn()`; the ratios divide overheads.',
      '',
      table(['contender', 'overhead / call', '× cockatiel overhead', '× opossum overhead'], overheadRows),
      '',
      '### Open state: rejecting a call',
      '',
      'Every contender is `breaker.execute(fn).catch(noop)` (or `fire()`) on an open circuit. `Promise.reject(e).catch()` is the floor: what a rejected promise costs in Node, before any breaker logic. palisade hands every call of one open period the same already-observed rejected promise, so it pays neither an `Error` nor the unhandled-rejection bookkeeping per call.',
      '',
      comparisonTable(open, ['cockatiel open execute', 'opossum open fire']),
      '',
      '### Permit API (synchronous, for the router)',
      '',
      comparisonTable(permit, ['tryAcquire + success (closed, count window)']),
      '',
      '### Keyed registry memory',
      '',
      `Each key gets a breaker through \`registry.get(key)\` and one call through a permit; then no key is used again, and the virtual clock moves two idle timeouts (${IDLE_TIMEOUT / 1000} s) so the sweeps evict everything. A sweep visits 10,000 keys per timer callback; the longest pause is the longest such callback, the time the event loop is held. Bytes are heap plus ArrayBuffers over a baseline taken before the registry existed, after forced GCs; keys are \`endpoint-<n>\` strings.`,
      '',
      table(
        [
          'registry',
          'keys',
          'live',
          'per key',
          'after eviction',
          'create',
          'sweep (keeps all)',
          'sweep (evicts all)',
          'longest pause',
        ],
        [
          [
            'default rule (consecutive failures)',
            KEYS.toLocaleString('en-US'),
            mib(consecutiveMemory.liveBytes),
            perKey(consecutiveMemory.liveBytes, KEYS),
            mib(consecutiveMemory.afterEvictionBytes),
            `${consecutiveMemory.createMs.toFixed(0)} ms`,
            `${consecutiveMemory.sweepKeepMs.toFixed(0)} ms`,
            `${consecutiveMemory.sweepEvictMs.toFixed(0)} ms`,
            `${consecutiveMemory.longestPauseMs.toFixed(1)} ms`,
          ],
          [
            'count window, size 100',
            windowKeys.toLocaleString('en-US'),
            mib(countMemory.liveBytes),
            perKey(countMemory.liveBytes, windowKeys),
            mib(countMemory.afterEvictionBytes),
            `${countMemory.createMs.toFixed(0)} ms`,
            `${countMemory.sweepKeepMs.toFixed(0)} ms`,
            `${countMemory.sweepEvictMs.toFixed(0)} ms`,
            `${countMemory.longestPauseMs.toFixed(1)} ms`,
          ],
          [
            'time window, 10 buckets',
            windowKeys.toLocaleString('en-US'),
            mib(timeMemory.liveBytes),
            perKey(timeMemory.liveBytes, windowKeys),
            mib(timeMemory.afterEvictionBytes),
            `${timeMemory.createMs.toFixed(0)} ms`,
            `${timeMemory.sweepKeepMs.toFixed(0)} ms`,
            `${timeMemory.sweepEvictMs.toFixed(0)} ms`,
            `${timeMemory.longestPauseMs.toFixed(1)} ms`,
          ],
        ],
      ),
      '',
      `An empty registry retains ${emptyRegistry} bytes.`,
      '',
      '### Targets (issue 3)',
      '',
      targetTable([
        ratioTarget(
          'closed overhead, count window ÷ cockatiel ConsecutiveBreaker',
          'palisade count window',
          cockatielOverhead,
          1,
        ),
        ratioTarget('closed overhead, count window ÷ opossum', 'palisade count window', opossumOverhead, 0.5),
        ratioTarget(
          'closed overhead, time window ÷ cockatiel ConsecutiveBreaker',
          'palisade time window',
          cockatielOverhead,
          1,
        ),
        ratioTarget('closed overhead, time window ÷ opossum', 'palisade time window', opossumOverhead, 0.5),
        nsTarget('open rejection, execute', byName(open, 'palisade open execute')),
        nsTarget('open rejection, tryAcquire', byName(permit, 'tryAcquire (open: rejection)')),
        {
          label: `registry of ${KEYS.toLocaleString('en-US')} keys after eviction`,
          measured: consecutiveMemory.afterEvictionBytes,
          limit: afterEvictionLimit,
          kind: 'max',
          format: mib,
        },
      ]),
    ].join('\n');
  },
};

export default suite;
