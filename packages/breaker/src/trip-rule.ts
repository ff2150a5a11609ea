import {
  durationOption,
  integerOption,
  numberOption,
  optionsObject,
  policyOption,
  positiveOrUnlimited,
} from '@palisade/core/internal';
import type { IBreaker, Policy } from 'cockatiel';

/** What a trip rule reports in `stats().rules`. */
export interface RuleMetrics {
  /** The rule's kind: `consecutive-failures`, `count-window`, `time-window`, or a custom rule's name. */
  readonly rule: string;
  /** Calls the rule is looking at: its window, or for consecutive failures the current run. */
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  /** `failures / calls`, 0 when there are no calls. */
  readonly failureRate: number;
  /** `slowCalls / calls`, 0 when there are no calls. */
  readonly slowCallRate: number;
}

/**
 * Decides when a circuit should open. Every built-in rule is also a cockatiel
 * `IBreaker`, so it drops into cockatiel's own `circuitBreaker()`; there it
 * sees only successes and failures, because cockatiel does not pass
 * durations, so slow-call counting needs a palisade breaker.
 *
 * A rule instance holds its window, so it belongs to one breaker: a breaker
 * refuses a rule that another breaker already uses.
 */
export interface TripRule extends IBreaker {
  /** The kind shown in `stats().rules`. */
  readonly name: string;
  /** Which outcomes this rule counts as failures. Undefined: the breaker's `handle`. */
  readonly handle: Policy | undefined;
  /** Calls longer than this many milliseconds count as slow; Infinity when the rule ignores durations. */
  readonly slowCallDuration: number;
  /** Whether `record` needs the current time (the breaker reads its clock only then). */
  readonly needsTime: boolean;
  /**
   * Counts one settled call of the closed circuit; returns true if the circuit
   * should open now.
   * @param failed Whether `handle` selected the outcome.
   * @param duration How long the call took, in ms; 0 when no rule needs durations.
   * @param now The clock's time if `needsTime`, otherwise 0.
   */
  record(failed: boolean, duration: number, now: number): boolean;
  /** Forgets every call: the circuit has just closed. */
  reset(now: number): void;
  /** What the rule is looking at now. */
  metrics(now: number): RuleMetrics;
}

/**
 * The built-in rules remember which breaker took them in a private field.
 * A WeakSet would do for any rule, but its table keeps its size after the
 * rules die, so a registry that evicted a million breakers would keep that
 * memory; what eviction leaves is measured in bench/RESULTS.md (breaker,
 * "Keyed registry memory", "after eviction").
 */
export abstract class ExclusiveRule {
  #taken = false;

  /** Marks `rule` as taken; false if a breaker already took it. */
  static take(rule: ExclusiveRule): boolean {
    if (rule.#taken) return false;
    rule.#taken = true;
    return true;
  }

  /** Whether a breaker already took `rule`. */
  static isTaken(rule: ExclusiveRule): boolean {
    return rule.#taken;
  }
}

/** Options shared by the rate-based rules (count window and time window). */
export interface RateRuleOptions {
  /**
   * Open when at least this fraction of the calls in the window failed. In (0, 1].
   * @default 0.5
   */
  readonly failureRateThreshold?: number;
  /**
   * Calls longer than this many milliseconds count as slow, even when they
   * succeed (resilience4j's slow-call rate). Infinity turns slow-call counting off.
   * @default Infinity
   */
  readonly slowCallDuration?: number;
  /**
   * Open when at least this fraction of the calls in the window were slow. In (0, 1].
   * @default 1
   */
  readonly slowCallRateThreshold?: number;
  /**
   * Which errors and results count as failures for this rule: one of
   * cockatiel's `handleAll`, `handleType`, `handleWhen`, `handleWhenResult`.
   * @default the breaker's `handle`
   */
  readonly handle?: Policy;
}

/** The keys of `RateRuleOptions`, for the rules' lists of known options. */
export const rateRuleOptionKeys = {
  failureRateThreshold: true,
  slowCallDuration: true,
  slowCallRateThreshold: true,
  handle: true,
} as const satisfies Record<keyof RateRuleOptions, true>;

export interface RateThresholds {
  readonly failureRateThreshold: number;
  readonly slowCallDuration: number;
  readonly slowCallRateThreshold: number;
  readonly minimumCalls: number;
  readonly handle: Policy | undefined;
}

/** Validates the shared options; `maximumCalls` bounds `minimumCalls` (the window size for a count window). */
export function rateThresholds(
  options: (RateRuleOptions & { readonly minimumCalls?: number }) | undefined,
  defaultMinimumCalls: number,
  maximumCalls: number,
): RateThresholds {
  const {
    failureRateThreshold = 0.5,
    slowCallDuration = Number.POSITIVE_INFINITY,
    slowCallRateThreshold = 1,
    minimumCalls = defaultMinimumCalls,
    handle,
  } = optionsObject('options', options);
  const fraction = { min: 0, minExclusive: true, max: 1 };
  return {
    failureRateThreshold: numberOption('failureRateThreshold', failureRateThreshold, fraction),
    slowCallDuration: durationOption('slowCallDuration', slowCallDuration, positiveOrUnlimited),
    slowCallRateThreshold: numberOption('slowCallRateThreshold', slowCallRateThreshold, fraction),
    minimumCalls: integerOption('minimumCalls', minimumCalls, { min: 1, max: maximumCalls }),
    handle: handle === undefined ? undefined : policyOption('handle', handle),
  };
}

/**
 * The trip test of the rate rules. Division, not `failures >= threshold * calls`:
 * 0.3 * 10 is 3.0000000000000004 in floating point, so the product would miss
 * an exact 30%, while 3 / 10 and 0.3 round to the same double.
 */
export function exceedsRates(t: RateThresholds, calls: number, failures: number, slowCalls: number): boolean {
  return (
    calls >= t.minimumCalls &&
    (failures / calls >= t.failureRateThreshold || slowCalls / calls >= t.slowCallRateThreshold)
  );
}

export function windowMetrics(rule: string, calls: number, failures: number, slowCalls: number): RuleMetrics {
  return {
    rule,
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: calls === 0 ? 0 : slowCalls / calls,
  };
}
