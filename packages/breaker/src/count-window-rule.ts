import { InvalidArgumentError } from '@palisade/core';
import { integerOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { CircuitState, type Policy } from 'cockatiel';
import {
  ExclusiveRule,
  exceedsRates,
  type RateRuleOptions,
  type RuleMetrics,
  rateRuleOptionKeys,
  rateThresholds,
  type TripRule,
  windowMetrics,
} from './trip-rule.js';

export interface CountWindowOptions extends RateRuleOptions {
  /**
   * How many of the most recent calls the window holds.
   * @default 100
   */
  readonly size?: number;
  /**
   * The rule decides nothing until the window holds this many calls, in [1, size].
   * @default size
   */
  readonly minimumCalls?: number;
}

/** The JSON form of a count window: its outcomes, oldest first, as flags (1 failed, 2 slow). */
export interface CountWindowState {
  readonly size: number;
  readonly samples: readonly number[];
}

const optionKeys = Object.keys({
  ...rateRuleOptionKeys,
  size: true,
  minimumCalls: true,
} satisfies Record<keyof CountWindowOptions, true>);

const FAILED = 1;
const SLOW = 2;

/**
 * Opens when, among the last `size` calls, the failure rate or the slow-call
 * rate reaches its threshold (resilience4j's COUNT_BASED window, cockatiel's
 * `CountBreaker`). The window is a ring of one byte per call, so a call costs
 * O(1) and no allocation.
 */
export class CountWindowRule extends ExclusiveRule implements TripRule {
  readonly size: number;
  readonly failureRateThreshold: number;
  readonly slowCallDuration: number;
  readonly slowCallRateThreshold: number;
  readonly minimumCalls: number;
  readonly handle: Policy | undefined;
  readonly #samples: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slowCalls = 0;

  constructor(options?: CountWindowOptions) {
    super();
    const checked = optionsObject('options', options);
    rejectUnknownOptions(checked, optionKeys);
    const { size = 100 } = checked;
    this.size = integerOption('size', size, { min: 1, max: 1_000_000 });
    const thresholds = rateThresholds(options, this.size, this.size);
    this.failureRateThreshold = thresholds.failureRateThreshold;
    this.slowCallDuration = thresholds.slowCallDuration;
    this.slowCallRateThreshold = thresholds.slowCallRateThreshold;
    this.minimumCalls = thresholds.minimumCalls;
    this.handle = thresholds.handle;
    this.#samples = new Uint8Array(this.size);
  }

  get name(): string {
    return 'count-window';
  }

  get needsTime(): boolean {
    return false;
  }

  record(failed: boolean, duration: number): boolean {
    const flags = (failed ? FAILED : 0) | (duration > this.slowCallDuration ? SLOW : 0);
    const samples = this.#samples;
    const index = this.#next;
    if (this.#calls === samples.length) {
      const evicted = samples[index] as number;
      this.#failures -= evicted & FAILED;
      this.#slowCalls -= evicted >> 1;
    } else {
      this.#calls++;
    }
    samples[index] = flags;
    this.#failures += flags & FAILED;
    this.#slowCalls += flags >> 1;
    this.#next = index + 1 === samples.length ? 0 : index + 1;
    return exceedsRates(this, this.#calls, this.#failures, this.#slowCalls);
  }

  reset(): void {
    this.#samples.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
    this.#slowCalls = 0;
  }

  metrics(): RuleMetrics {
    return windowMetrics(this.name, this.#calls, this.#failures, this.#slowCalls);
  }

  /** The window as JSON (cockatiel's `IBreaker.state`). */
  get state(): unknown {
    const samples: number[] = [];
    const first = this.#calls === this.size ? this.#next : 0;
    for (let i = 0; i < this.#calls; i++) samples.push(this.#samples[(first + i) % this.size] as number);
    const state: CountWindowState = { size: this.size, samples };
    return state;
  }

  set state(value: unknown) {
    const state = value as Partial<CountWindowState> | null;
    const samples = state?.samples;
    if (
      state?.size !== this.size ||
      !Array.isArray(samples) ||
      samples.length > this.size ||
      !samples.every((flags) => flags === 0 || flags === FAILED || flags === SLOW || flags === (FAILED | SLOW))
    ) {
      throw new InvalidArgumentError(
        'state',
        `the state of a count window of size ${this.size} ({ size, samples: flags 0-3 })`,
        value,
      );
    }
    this.reset();
    for (const flags of samples as number[]) {
      this.#samples[this.#calls++] = flags;
      this.#failures += flags & FAILED;
      this.#slowCalls += flags >> 1;
    }
    this.#next = this.#calls === this.size ? 0 : this.#calls;
  }

  /** cockatiel's `IBreaker.success`. */
  success(state?: CircuitState): void {
    // cockatiel calls success(HalfOpen) once, as the circuit closes.
    if (state === CircuitState.HalfOpen) this.reset();
    this.record(false, 0);
  }

  /** cockatiel's `IBreaker.failure`: true if the circuit should open. */
  failure(state?: CircuitState): boolean {
    const trips = this.record(true, 0);
    return state === undefined || state === CircuitState.Closed ? trips : true;
  }
}
