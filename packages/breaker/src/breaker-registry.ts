import { type Clock, type Event, InvalidOptionError, realClock, type TimerHandle, unrefTimer } from '@palisade/core';
import {
  durationOption,
  functionOption,
  LazyEmitters,
  optionsObject,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import type { CircuitState, IDefaultPolicyContext } from 'cockatiel';
import type { BreakerRejectEvent } from './breaker-events.js';
import { type CircuitBreakerOptions, rejectUnknownBreakerOptions } from './breaker-options.js';
import { breakerCore, CircuitBreaker } from './circuit-breaker.js';
import { checkExecuteArguments } from './execute-arguments.js';
import type { BreakerPermit, BreakerRejection } from './permit.js';
import { RegistryTally, type RegistryTallyEvents } from './registry-tally.js';

/** Breakers a sweep visits before it yields to the event loop. */
const SWEEP_CHUNK = 10_000;

export interface BreakerRegistryOptions<K> {
  /**
   * Options for each key's breaker: one object for every key, or a function
   * of the key (per-key options). Each breaker needs its own trip rules, so
   * rules, a store or an initial state can only come from a function.
   * A `clock` left out is the registry's.
   * @default {}
   */
  readonly breaker?: CircuitBreakerOptions | ((key: K) => CircuitBreakerOptions);
  /**
   * A breaker that has had no calls for this many milliseconds, and is at rest
   * (nothing in flight, not isolated, not inside an open period), is dropped.
   * A sweep runs every `idleTimeout` while the registry holds breakers, so an
   * idle breaker goes between one and two idle timeouts after its last call.
   * @default 300_000
   */
  readonly idleTimeout?: number;
  /**
   * Where time comes from, for the sweeps and for breakers whose options leave `clock` out.
   * @default realClock
   */
  readonly clock?: Clock;
}

const optionKeys = Object.keys({
  breaker: true,
  idleTimeout: true,
  clock: true,
} satisfies Record<keyof BreakerRegistryOptions<unknown>, true>);

/**
 * Totals over every breaker of a registry. The state counts are of the
 * breakers it holds now; the call counters are running totals since the
 * registry was created, which keep what a dropped breaker counted.
 */
export interface RegistryStats {
  readonly keys: number;
  /** Breakers by the state each last saw its circuit in. */
  readonly closed: number;
  readonly open: number;
  readonly halfOpen: number;
  readonly isolated: number;
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly rejections: number;
  /** Calls admitted and not settled yet, by the breakers it holds now. */
  readonly inFlight: number;
  readonly opens: number;
}

/** What `onCreate` and `onEvict` carry. */
export interface RegistryEntryEvent<K> {
  readonly key: K;
  readonly breaker: CircuitBreaker;
}

/** A registry's events by name, with their payloads. */
interface RegistryEvents<K> {
  create: RegistryEntryEvent<K>;
  evict: RegistryEntryEvent<K>;
}

/**
 * Breakers keyed by endpoint, tenant or anything else, created on first use
 * with per-key options, and dropped when idle so that memory stays bounded
 * with millions of keys.
 *
 * A call through the registry costs one map lookup, and nothing on the hot
 * path reads the clock or writes a timestamp: the sweep compares each
 * breaker's call counter with the value it noted at the previous sweep. The
 * sweep visits every key, in chunks of 10,000 between which the event loop
 * runs.
 */
export class BreakerRegistry<K = string> {
  readonly idleTimeout: number;
  readonly #clock: Clock;
  readonly #optionsFor: (key: K) => CircuitBreakerOptions;
  readonly #breakers = new Map<K, CircuitBreaker>();
  #timer: TimerHandle | undefined;
  /** Where the sweep in progress has got to. */
  #cursor: Iterator<[K, CircuitBreaker]> | undefined;
  // Created on first subscription, as a breaker's are.
  #emitters: LazyEmitters<RegistryEvents<K>> | undefined;
  readonly #tally = new RegistryTally();

  constructor(options?: BreakerRegistryOptions<K>) {
    const checked = optionsObject('options', options);
    rejectUnknownOptions(checked, optionKeys);
    const { breaker = {}, idleTimeout = 300_000, clock = realClock } = checked;
    this.idleTimeout = durationOption('idleTimeout', idleTimeout, { min: 0, minExclusive: true });
    if (typeof clock !== 'object' || clock === null) throw new InvalidOptionError('clock', 'a Clock', clock);
    functionOption('clock.setTimeout', clock.setTimeout);
    this.#clock = clock;
    this.#optionsFor = typeof breaker === 'function' ? breaker : sharedOptions(breaker);
  }

  /** Fires when a key's breaker is created, so that you can subscribe to its events. */
  get onCreate(): Event<RegistryEntryEvent<K>> {
    return this.#events().on('create');
  }

  /** Fires when an idle breaker is dropped. */
  get onEvict(): Event<RegistryEntryEvent<K>> {
    return this.#events().on('evict');
  }

  /** Fires when the circuit of any of its breakers changes state, with cockatiel's `CircuitState`. */
  get onStateChange(): Event<CircuitState> {
    return this.#tallyEvents().on('stateChange');
  }

  /** Fires when any of its breakers turns a call away. */
  get onReject(): Event<BreakerRejectEvent> {
    return this.#tallyEvents().on('reject');
  }

  #tallyEvents(): LazyEmitters<RegistryTallyEvents> {
    this.#tally.emitters ??= new LazyEmitters<RegistryTallyEvents>();
    return this.#tally.emitters;
  }

  #events(): LazyEmitters<RegistryEvents<K>> {
    this.#emitters ??= new LazyEmitters<RegistryEvents<K>>();
    return this.#emitters;
  }

  /** The breaker for `key`, created on first use. Throws `InvalidOptionError` if the key's options are invalid. */
  get(key: K): CircuitBreaker {
    return this.#breakers.get(key) ?? this.#create(key);
  }

  /** The breaker for `key` if there is one, without creating it or counting it as used. */
  peek(key: K): CircuitBreaker | undefined {
    return this.#breakers.get(key);
  }

  /**
   * Runs `fn` through `key`'s breaker: `registry.get(key).execute(fn, signal)`.
   * Bad arguments throw `InvalidArgumentError` before a breaker is created.
   */
  execute<T>(key: K, fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    checkExecuteArguments(fn, signal);
    return this.get(key).execute(fn, signal);
  }

  /** Asks `key`'s breaker for a permit: `registry.get(key).tryAcquire()`. */
  tryAcquire(key: K): BreakerPermit | BreakerRejection {
    return this.get(key).tryAcquire();
  }

  /** Drops `key`'s breaker now, whatever its state. */
  delete(key: K): boolean {
    const breaker = this.#breakers.get(key);
    if (breaker === undefined) return false;
    breakerCore(breaker).detach();
    return this.#breakers.delete(key);
  }

  get size(): number {
    return this.#breakers.size;
  }

  entries(): IterableIterator<[K, CircuitBreaker]> {
    return this.#breakers.entries();
  }

  /** Drops every breaker and stops the sweep until a key is used again. */
  clear(): void {
    for (const breaker of this.#breakers.values()) breakerCore(breaker).detach();
    this.#breakers.clear();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cursor = undefined;
  }

  /** Totals over every breaker, kept as the breakers go: O(1), whatever the number of keys. */
  stats(): RegistryStats {
    const tally = this.#tally;
    return {
      keys: this.size,
      closed: tally.closed,
      open: tally.open,
      halfOpen: tally.halfOpen,
      isolated: tally.isolated,
      calls: tally.calls,
      successes: tally.successes,
      failures: tally.failures,
      slowCalls: tally.slowCalls,
      rejections: tally.rejections,
      inFlight: tally.inFlight,
      opens: tally.opens,
    };
  }

  #create(key: K): CircuitBreaker {
    const options = this.#optionsFor(key);
    const breaker = new CircuitBreaker(options?.clock === undefined ? { ...options, clock: this.#clock } : options);
    const core = breakerCore(breaker);
    core.registryMark = core.activity;
    core.attach(this.#tally);
    this.#breakers.set(key, breaker);
    this.#armSweep();
    const emitters = this.#emitters;
    if (emitters?.heard('create')) emitters.emit('create', { key, breaker });
    return breaker;
  }

  #armSweep(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#cursor = this.#breakers.entries();
      this.#sweep();
    }, this.idleTimeout);
    unrefTimer(this.#timer);
  }

  /**
   * Visits up to SWEEP_CHUNK breakers, then yields to the event loop and goes
   * on, so that a registry of millions never stalls the process for the
   * whole sweep. A Map iterator survives deletions and sees insertions.
   */
  #sweep(): void {
    this.#timer = undefined;
    const cursor = this.#cursor;
    if (cursor === undefined) return;
    const evicted: [K, CircuitBreaker][] = [];
    let visited = 0;
    for (let next = cursor.next(); !next.done; next = cursor.next()) {
      const [key, breaker] = next.value;
      const core = breakerCore(breaker);
      const activity = core.activity;
      if (activity !== core.registryMark) {
        core.registryMark = activity;
      } else if (core.atRest) {
        core.detach();
        this.#breakers.delete(key);
        if (this.#emitters?.heard('evict')) evicted.push([key, breaker]);
      }
      if (++visited === SWEEP_CHUNK) {
        this.#timer = this.#clock.setTimeout(() => this.#sweep(), 0);
        unrefTimer(this.#timer);
        this.#announceEvictions(evicted);
        return;
      }
    }
    this.#cursor = undefined;
    if (this.#breakers.size > 0) this.#armSweep();
    this.#announceEvictions(evicted);
  }

  #announceEvictions(evicted: readonly [K, CircuitBreaker][]): void {
    for (const [key, breaker] of evicted) this.#emitters?.emit('evict', { key, breaker });
  }
}

function sharedOptions<K>(options: CircuitBreakerOptions): (key: K) => CircuitBreakerOptions {
  const checked = optionsObject('breaker', options);
  rejectUnknownBreakerOptions(checked, 'breaker.');
  for (const perBreaker of ['rule', 'store', 'initialState'] as const) {
    if (checked[perBreaker] !== undefined) {
      throw new InvalidOptionError(
        `breaker.${perBreaker}`,
        `a function of the key that returns options (each breaker needs its own ${perBreaker})`,
        checked[perBreaker],
      );
    }
  }
  return () => checked;
}
