import type { CircuitState } from 'cockatiel';
import type { BreakerMode } from './breaker-mode.js';
import type { RuleMetrics } from './trip-rule.js';

/** A snapshot of a breaker's counters. Cheap: O(number of rules), no history is kept. */
export interface BreakerStats {
  /** cockatiel's state: Closed, Open, HalfOpen or Isolated. */
  readonly state: CircuitState;
  readonly mode: BreakerMode;
  /** Clock time at which the current state began. */
  readonly since: number;
  /** Milliseconds spent in the current state so far. */
  readonly timeInState: number;
  /** Calls that settled, since the breaker was created. */
  readonly calls: number;
  readonly successes: number;
  /** Calls that `handle` counted as failures. */
  readonly failures: number;
  /** Calls slower than the smallest `slowCallDuration` of the rules. */
  readonly slowCalls: number;
  /** `failures / calls` since creation; each rule's window is in `rules`. */
  readonly failureRate: number;
  readonly slowCallRate: number;
  /** Calls turned away, in any state. */
  readonly rejections: number;
  /** Calls admitted and not settled yet. */
  readonly inFlight: number;
  /** How many times the circuit opened (isolation excluded). */
  readonly opens: number;
  /** How many times a rule said "open", including in `metrics-only` mode where nothing opens. */
  readonly trips: number;
  /** What each rule sees now, in the order of the `rule` option. */
  readonly rules: readonly RuleMetrics[];
}
