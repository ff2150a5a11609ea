import { type Clock, InvalidArgumentError, realClock } from '@palisade/core';
import { durationOption, integerOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
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

export interface TimeWindowOptions extends RateRuleOptions {
  /**
   * The window's length in milliseconds.
   * @default 10_000
   */
  readonly duration?: number;
  /**
   * How many buckets the window is cut into. The window slides one bucket at
   * a time, so it covers between `duration - duration / buckets` and `duration`.
   * @default 10
   */
  readonly buckets?: number;
  /**
   * The minimum throughput: the rule decides nothing until the window holds
   * this many calls (Hystrix's `requestVolumeThreshold`).
   * @default 20
   */
  readonly minimumCalls?: number;
  /**
   * Where time comes from when the rule runs inside cockatiel's
   * `circuitBreaker()`. Inside a palisade breaker, the breaker's clock is used.
   * @default realClock
   */
  readonly clock?: Clock;
}

/** The JSON form of a time window: per bucket, oldest first, `[calls, failures, slowCalls]`. */
export interface TimeWindowState {
  /** Each bucket's length in milliseconds: `duration / buckets`. */
  readonly bucketDuration: number;
  /** Index of the newest bucket: `floor(time / bucketDuration)`. */
  readonly head: number | null;
  readonly buckets: readonly (readonly [number, number, number])[];
}

const optionKeys = Object.keys({
  ...rateRuleOptionKeys,
  duration: true,
  buckets: true,
  minimumCalls: true,
  clock: true,
} satisfies Record<keyof TimeWindowOptions, true>);

const FIELDS = 3;

/**
 * Opens when, over the last `duration` ms, at least `minimumCalls` calls were
 * made and the failure rate or slow-call rate reached its threshold
 * (resilience4j's TIME_BASED window, Hystrix's rolling buckets, cockatiel's
 * `SamplingBreaker`). Counts live in one flat array of `buckets × 3` integers;
 * a call adds to the newest bucket, and buckets that time has left behind are
 * cleared as the window slides, so each call costs O(1) amortised.
 */
export class TimeWindowRule extends ExclusiveRule implements TripRule {
  readonly duration: number;
  readonly buckets: number;
  readonly failureRateThreshold: number;
  readonly slowCallDuration: number;
  readonly slowCallRateThreshold: number;
  readonly minimumCalls: number;
  readonly handle: Policy | undefined;
  readonly #bucketDuration: number;
  readonly #clock: Clock;
  /** [calls, failures, slowCalls] per bucket; bucket `i` lives at `(i mod buckets) * 3`. */
  readonly #counts: Uint32Array;
  /** The absolute index of the newest bucket; NaN before the first call. */
  #head = Number.NaN;
  // The newest bucket's time span and offset, so that most calls skip the division.
  #headStart = Number.NaN;
  #headEnd = Number.NaN;
  #headOffset = 0;
  #calls = 0;
  #failures = 0;
  #slowCalls = 0;

  constructor(options?: TimeWindowOptions) {
    super();
    const checked = optionsObject('options', options);
    rejectUnknownOptions(checked, optionKeys);
    const { duration = 10_000, buckets = 10, clock = realClock } = checked;
    this.duration = durationOption('duration', duration, { min: 0, minExclusive: true });
    this.buckets = integerOption('buckets', buckets, { min: 1, max: 10_000 });
    const thresholds = rateThresholds(options, 20, Number.MAX_SAFE_INTEGER);
    this.failureRateThreshold = thresholds.failureRateThreshold;
    this.slowCallDuration = thresholds.slowCallDuration;
    this.slowCallRateThreshold = thresholds.slowCallRateThreshold;
    this.minimumCalls = thresholds.minimumCalls;
    this.handle = thresholds.handle;
    this.#bucketDuration = this.duration / this.buckets;
    this.#clock = clock;
    this.#counts = new Uint32Array(this.buckets * FIELDS);
  }

  get name(): string {
    return 'time-window';
  }

  get needsTime(): boolean {
    return true;
  }

  record(failed: boolean, duration: number, now: number): boolean {
    const offset = now >= this.#headStart && now < this.#headEnd ? this.#headOffset : this.#slide(now);
    const counts = this.#counts;
    counts[offset] = (counts[offset] as number) + 1;
    this.#calls++;
    if (failed) {
      counts[offset + 1] = (counts[offset + 1] as number) + 1;
      this.#failures++;
    }
    if (duration > this.slowCallDuration) {
      counts[offset + 2] = (counts[offset + 2] as number) + 1;
      this.#slowCalls++;
    }
    return exceedsRates(this, this.#calls, this.#failures, this.#slowCalls);
  }

  reset(): void {
    this.#counts.fill(0);
    this.#head = Number.NaN;
    this.#headStart = Number.NaN;
    this.#headEnd = Number.NaN;
    this.#calls = 0;
    this.#failures = 0;
    this.#slowCalls = 0;
  }

  metrics(now: number): RuleMetrics {
    this.#slide(now);
    return windowMetrics(this.name, this.#calls, this.#failures, this.#slowCalls);
  }

  /** Moves the window up to `now` and returns the offset of the newest bucket. */
  #slide(now: number): number {
    const index = Math.floor(now / this.#bucketDuration);
    const head = this.#head;
    // A clock that steps back (wall-clock adjustments) keeps counting into the newest bucket.
    if (index > head) {
      const steps = Math.min(index - head, this.buckets);
      for (let step = 1; step <= steps; step++) this.#clearBucket(this.#offsetOf(index - steps + step));
      this.#head = index;
    } else if (Number.isNaN(head)) {
      this.#head = index;
    }
    this.#headOffset = this.#offsetOf(this.#head);
    if (this.#head === index) {
      this.#headStart = index * this.#bucketDuration;
      this.#headEnd = (index + 1) * this.#bucketDuration;
    }
    return this.#headOffset;
  }

  #offsetOf(index: number): number {
    const slot = index % this.buckets;
    return (slot < 0 ? slot + this.buckets : slot) * FIELDS;
  }

  #clearBucket(offset: number): void {
    const counts = this.#counts;
    this.#calls -= counts[offset] as number;
    this.#failures -= counts[offset + 1] as number;
    this.#slowCalls -= counts[offset + 2] as number;
    counts[offset] = 0;
    counts[offset + 1] = 0;
    counts[offset + 2] = 0;
  }

  /** The window as JSON (cockatiel's `IBreaker.state`). */
  get state(): unknown {
    const buckets: [number, number, number][] = [];
    if (!Number.isNaN(this.#head)) {
      for (let i = this.#head - this.buckets + 1; i <= this.#head; i++) {
        const offset = this.#offsetOf(i);
        const counts = this.#counts;
        buckets.push([counts[offset] as number, counts[offset + 1] as number, counts[offset + 2] as number]);
      }
    }
    const state: TimeWindowState = {
      bucketDuration: this.#bucketDuration,
      head: Number.isNaN(this.#head) ? null : this.#head,
      buckets,
    };
    return state;
  }

  set state(value: unknown) {
    const state = value as Partial<TimeWindowState> | null;
    const buckets = state?.buckets;
    const head = state?.head;
    const valid =
      state?.bucketDuration === this.#bucketDuration &&
      Array.isArray(buckets) &&
      (head === null ? buckets.length === 0 : Number.isSafeInteger(head) && buckets.length === this.buckets) &&
      buckets.every(
        (bucket) =>
          Array.isArray(bucket) &&
          bucket.length === FIELDS &&
          bucket.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= 0xffff_ffff) &&
          bucket[1] <= bucket[0] &&
          bucket[2] <= bucket[0],
      );
    if (!valid) {
      throw new InvalidArgumentError(
        'state',
        `the state of a time window of ${this.buckets} buckets of ${this.#bucketDuration} ms ({ bucketDuration, head, buckets })`,
        value,
      );
    }
    this.reset();
    if (head === null || head === undefined) return;
    this.#head = head;
    this.#headOffset = this.#offsetOf(head);
    (buckets as (readonly [number, number, number])[]).forEach(([calls, failures, slowCalls], i) => {
      const offset = this.#offsetOf(head - this.buckets + 1 + i);
      this.#counts[offset] = calls;
      this.#counts[offset + 1] = failures;
      this.#counts[offset + 2] = slowCalls;
      this.#calls += calls;
      this.#failures += failures;
      this.#slowCalls += slowCalls;
    });
  }

  /** cockatiel's `IBreaker.success`. */
  success(state?: CircuitState): void {
    if (state === CircuitState.HalfOpen) this.reset();
    this.record(false, 0, this.#clock.now());
  }

  /** cockatiel's `IBreaker.failure`: true if the circuit should open. */
  failure(state?: CircuitState): boolean {
    const trips = this.record(true, 0, this.#clock.now());
    return state === undefined || state === CircuitState.Closed ? trips : true;
  }
}
