import { type Clock, InvalidOptionError, realClock } from '@palisade/core';
import {
  durationOption,
  functionOption,
  integerOption,
  numberOption,
  oneOfOption,
  optionsObject,
  policyOption,
  positiveOrUnlimited,
  rejectUnknownOptions,
} from '@palisade/core/internal';
import { handleAll, type IBackoffFactory, type IHalfOpenAfterBackoffContext, type Policy } from 'cockatiel';
import { type BreakerMode, breakerModes } from './breaker-mode.js';
import type { CircuitRecord } from './circuit-record.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { type BreakerSnapshot, readSnapshot } from './snapshot.js';
import { type BreakerStore, MemoryBreakerStore } from './store.js';
import { ExclusiveRule, type TripRule } from './trip-rule.js';

export interface HalfOpenOptions {
  /**
   * How many probe calls the half-open circuit lets through. Calls beyond
   * these are rejected at once with `BreakerHalfOpenError`, never queued.
   * @default 1
   */
  readonly probes?: number;
  /**
   * The fraction of the probes that must succeed for the circuit to close, in
   * (0, 1]. It closes or opens again as soon as the outcome is certain. A probe
   * that is slow by any rule's `slowCallDuration` counts as failed.
   * @default 1
   */
  readonly successThreshold?: number;
  /**
   * If the probes have not decided within this many milliseconds, the circuit
   * opens again and a new open period starts. Guards against probes that never
   * settle. Infinity waits for them forever.
   * @default Infinity
   */
  readonly maxDuration?: number;
}

export interface CircuitBreakerOptions {
  /**
   * When to open: one trip rule, or several (the circuit opens when any of
   * them says so). A rule instance belongs to one breaker.
   * @default new ConsecutiveFailuresRule({ threshold: 5 })
   */
  readonly rule?: TripRule | readonly TripRule[];
  /**
   * Which errors and results count as failures: cockatiel's `handleAll`,
   * `handleType(...)`, `handleWhen(...)`, `handleWhenResult(...)`. Errors it
   * does not select count as successes: the dependency answered. A rule may
   * set its own `handle`.
   * @default handleAll
   */
  readonly handle?: Policy;
  /**
   * How long the circuit stays open before it lets a probe through: a number
   * of milliseconds, or a cockatiel backoff (`new ExponentialBackoff(...)`,
   * `new DelegateBackoff(...)`) that is asked for the next duration each time
   * the circuit opens again without having closed, so the open time can grow.
   * @default 30_000
   */
  readonly halfOpenAfter?: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  /** How the half-open state probes. */
  readonly halfOpen?: HalfOpenOptions;
  /**
   * `normal`, `disabled` or `metrics-only`; see `BreakerMode`. Change it later with `setMode`.
   * @default 'normal'
   */
  readonly mode?: BreakerMode;
  /**
   * State saved by `toJSON()`, to resume where a previous breaker stopped. A
   * half-open circuit was saved as open and ready to probe. With a custom
   * `store`, the store owns the circuit state and only the rules' windows are
   * restored.
   */
  readonly initialState?: BreakerSnapshot | unknown;
  /**
   * Where the circuit state and the half-open probe slots live.
   * @default a MemoryBreakerStore
   */
  readonly store?: BreakerStore;
  /**
   * Where time comes from.
   * @default realClock
   */
  readonly clock?: Clock;
}

// Objects rather than arrays, so that the compiler checks each list against its interface both ways.
const breakerOptionKeys = Object.keys({
  rule: true,
  handle: true,
  halfOpenAfter: true,
  halfOpen: true,
  mode: true,
  initialState: true,
  store: true,
  clock: true,
} satisfies Record<keyof CircuitBreakerOptions, true>);
const halfOpenOptionKeys = Object.keys({
  probes: true,
  successThreshold: true,
  maxDuration: true,
} satisfies Record<keyof HalfOpenOptions, true>);

/**
 * Throws `InvalidOptionError` for a key that a breaker does not know, at the
 * top level or in `halfOpen`, suggesting the nearest known one. `path`
 * prefixes the option's name (`breaker.` for a registry's shared options).
 */
export function rejectUnknownBreakerOptions(options: CircuitBreakerOptions, path = ''): void {
  rejectUnknownOptions(options, breakerOptionKeys, path);
  const halfOpen = options.halfOpen as unknown;
  if (typeof halfOpen === 'object' && halfOpen !== null) {
    rejectUnknownOptions(halfOpen, halfOpenOptionKeys, `${path}halfOpen.`);
  }
}

export interface ResolvedOptions {
  readonly rules: readonly TripRule[];
  readonly handle: Policy;
  readonly halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  readonly probes: number;
  readonly successThreshold: number;
  readonly maxHalfOpenDuration: number;
  readonly mode: BreakerMode;
  readonly store: BreakerStore;
  readonly clock: Clock;
}

/**
 * Custom rules already bound to a breaker; the built-in ones mark themselves.
 * A rule holds its window, so two breakers sharing one would each see the
 * other's calls: a bug worth catching at once.
 */
const boundCustomRules = new WeakSet<TripRule>();

const isBound = (rule: TripRule): boolean =>
  rule instanceof ExclusiveRule ? ExclusiveRule.isTaken(rule) : boundCustomRules.has(rule);

function bind(rule: TripRule): void {
  if (rule instanceof ExclusiveRule) ExclusiveRule.take(rule);
  else boundCustomRules.add(rule);
}

export function resolveBreakerOptions(options: CircuitBreakerOptions | undefined): ResolvedOptions {
  const checked = optionsObject('options', options);
  rejectUnknownBreakerOptions(checked);
  const {
    rule,
    handle = handleAll,
    halfOpenAfter = 30_000,
    halfOpen,
    mode = 'normal',
    initialState,
    store,
    clock = realClock,
  } = checked;
  checkClock(clock);
  const {
    probes = 1,
    successThreshold = 1,
    maxDuration = Number.POSITIVE_INFINITY,
  } = optionsObject('halfOpen', halfOpen);
  const rules = resolveRules(rule);
  const snapshot = initialState === undefined ? undefined : readSnapshot(initialState, rules);
  const resolved: ResolvedOptions = {
    rules,
    handle: policyOption('handle', handle),
    halfOpenAfter: resolveBackoff(halfOpenAfter),
    probes: integerOption('halfOpen.probes', probes, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    successThreshold: numberOption('halfOpen.successThreshold', successThreshold, {
      min: 0,
      minExclusive: true,
      max: 1,
    }),
    maxHalfOpenDuration: durationOption('halfOpen.maxDuration', maxDuration, positiveOrUnlimited),
    mode: oneOfOption('mode', mode, breakerModes),
    store: store === undefined ? new MemoryBreakerStore(initialRecord(snapshot, clock)) : checkStore(store),
    clock,
  };
  // Bind only once everything is valid, so a constructor that throws leaves the rules free for another try.
  for (const each of rules) bind(each);
  if (snapshot !== undefined) snapshot.restoreRules();
  return resolved;
}

function resolveRules(rule: CircuitBreakerOptions['rule']): readonly TripRule[] {
  if (rule === undefined) return [new ConsecutiveFailuresRule({ threshold: 5 })];
  const rules = Array.isArray(rule) ? [...(rule as readonly TripRule[])] : [rule as TripRule];
  if (rules.length === 0) throw new InvalidOptionError('rule', 'a trip rule or a non-empty array of them', rule);
  rules.forEach((each, index) => {
    const name = Array.isArray(rule) ? `rule[${index}]` : 'rule';
    if (!isTripRule(each))
      throw new InvalidOptionError(
        name,
        'a trip rule (ConsecutiveFailuresRule, CountWindowRule, TimeWindowRule, or a TripRule)',
        each,
      );
    if (isBound(each) || rules.indexOf(each) !== index) {
      throw new InvalidOptionError(
        name,
        'a rule that no other breaker uses (rules hold their window; create one per breaker, or give a BreakerRegistry a function that returns options)',
        each,
      );
    }
  });
  return rules;
}

function isTripRule(value: unknown): value is TripRule {
  const rule = value as Partial<TripRule> | null;
  return (
    typeof rule === 'object' &&
    rule !== null &&
    typeof rule.record === 'function' &&
    typeof rule.reset === 'function' &&
    typeof rule.metrics === 'function' &&
    typeof rule.slowCallDuration === 'number' &&
    typeof rule.needsTime === 'boolean'
  );
}

function resolveBackoff(
  halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>,
): number | IBackoffFactory<IHalfOpenAfterBackoffContext> {
  // A number stays a number: a ConstantBackoff per breaker would cost memory in a registry of millions.
  if (typeof halfOpenAfter === 'number') return durationOption('halfOpenAfter', halfOpenAfter);
  if (typeof (halfOpenAfter as Partial<IBackoffFactory<unknown>> | null)?.next !== 'function') {
    throw new InvalidOptionError(
      'halfOpenAfter',
      'a duration in milliseconds in [0, ∞) or a cockatiel backoff (an object with next())',
      halfOpenAfter,
    );
  }
  return halfOpenAfter;
}

function checkClock(clock: unknown): void {
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate !== 'object' || candidate === null) throw new InvalidOptionError('clock', 'a Clock', clock);
  functionOption('clock.now', candidate.now);
}

function checkStore(store: unknown): BreakerStore {
  const candidate = store as Partial<BreakerStore> | null;
  if (typeof candidate !== 'object' || candidate === null) {
    throw new InvalidOptionError('store', 'a BreakerStore', store);
  }
  for (const method of ['current', 'transition', 'acquireProbe', 'releaseProbe', 'recordProbe'] as const) {
    functionOption(`store.${method}`, candidate[method]);
  }
  if (candidate.attach !== undefined) functionOption('store.attach', candidate.attach);
  return store as BreakerStore;
}

function initialRecord(snapshot: ReturnType<typeof readSnapshot> | undefined, clock: Clock): CircuitRecord {
  return snapshot?.circuit ?? { kind: 'closed', epoch: 0, since: clock.now() };
}
