import { InvalidArgumentError } from '@palisade/core';
import { integerOption, optionsObject, policyOption, rejectUnknownOptions } from '@palisade/core/internal';
import type { CircuitState, Policy } from 'cockatiel';
import { ExclusiveRule, type RuleMetrics, type TripRule, windowMetrics } from './trip-rule.js';

export interface ConsecutiveFailuresOptions {
  /**
   * Open after this many failures in a row. Any success starts the count again.
   * @default 5
   */
  readonly threshold?: number;
  /**
   * Which errors and results count as failures for this rule.
   * @default the breaker's `handle`
   */
  readonly handle?: Policy;
}

const optionKeys = Object.keys({ threshold: true, handle: true } satisfies Record<
  keyof ConsecutiveFailuresOptions,
  true
>);

/**
 * Opens after `threshold` failures in a row: cockatiel's `ConsecutiveBreaker`,
 * Envoy's `consecutive_5xx`. Its state is the current run, a number, as in
 * cockatiel.
 */
export class ConsecutiveFailuresRule extends ExclusiveRule implements TripRule {
  readonly threshold: number;
  readonly handle: Policy | undefined;
  #failures = 0;

  constructor(options?: ConsecutiveFailuresOptions) {
    super();
    const checked = optionsObject('options', options);
    rejectUnknownOptions(checked, optionKeys);
    const { threshold = 5, handle } = checked;
    this.threshold = integerOption('threshold', threshold, { min: 1, max: Number.MAX_SAFE_INTEGER });
    this.handle = handle === undefined ? undefined : policyOption('handle', handle);
  }

  // Constants live on the prototype: a registry may hold a million of these.
  get name(): string {
    return 'consecutive-failures';
  }

  get slowCallDuration(): number {
    return Number.POSITIVE_INFINITY;
  }

  get needsTime(): boolean {
    return false;
  }

  record(failed: boolean): boolean {
    if (!failed) {
      this.#failures = 0;
      return false;
    }
    return ++this.#failures >= this.threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  metrics(): RuleMetrics {
    return windowMetrics(this.name, this.#failures, this.#failures, 0);
  }

  /** The current run of failures (cockatiel's `IBreaker.state`). */
  get state(): unknown {
    return this.#failures;
  }

  set state(value: unknown) {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw new InvalidArgumentError('state', 'a count of failures, an integer ≥ 0', value);
    }
    this.#failures = value as number;
  }

  /** cockatiel's `IBreaker.success`. */
  success(_state?: CircuitState): void {
    this.#failures = 0;
  }

  /** cockatiel's `IBreaker.failure`: true if the circuit should open. */
  failure(_state?: CircuitState): boolean {
    return this.record(true);
  }
}
