import { durationOption, numberOption, optionsObject } from '@palisade/core/internal';
import type { RetryLimiter, RetryLimiterStats } from './retry-limiter.js';
import { rejectUnknownKeys } from './unknown-keys.js';
import { WindowedCounter } from './windowed-counter.js';

export interface RetryBudgetOptions {
  /**
   * The share of recent calls that may be retried: 0.2 lets one retry
   * through for every five calls. Finagle's `percentCanRetry`. In [0, 1000].
   * @default 0.2
   */
  readonly percentCanRetry?: number;
  /**
   * The floor: retries per second that are allowed however few calls there
   * were, so a client that has just started or sends little traffic can still
   * retry. Finagle's `minRetriesPerSec`, applied as a minimum rather than on
   * top of the percentage (see the class). ≥ 0.
   * @default 10
   */
  readonly minRetriesPerSecond?: number;
  /**
   * How long a call keeps earning retries, in milliseconds: the window over
   * which calls and retries are counted. Finagle's `ttl`. > 0.
   * @default 10_000
   */
  readonly ttl?: number;
}

const RETRY_BUDGET_OPTION_KEYS = Object.keys({
  percentCanRetry: true,
  minRetriesPerSecond: true,
  ttl: true,
} satisfies Record<keyof RetryBudgetOptions, true>);

/** Finagle's scale, so that a retry's cost stays an integer even for fractional percentages. */
const SCALE = 1_000;
const SLOTS = 10;
const CALLS = 0;
const RETRIES = 1;

/**
 * Finagle's retry budget, with its reserve as a floor: the retries of the
 * last `ttl` may be `percentCanRetry` of its calls, or
 * `minRetriesPerSecond × ttl`, whichever is larger. Each call deposits 1,000
 * units and each retry or hedge costs `1,000 / percentCanRetry`; both expire
 * after `ttl`. A retry storm cannot start: when every call fails, at most
 * `1 + percentCanRetry` attempts per call go out, instead of `maxAttempts`.
 *
 * Finagle adds the reserve to the percentage, so under an outage its clients
 * send `1 + percentCanRetry` attempts per call plus `minRetriesPerSec` more
 * every second, and no call rate brings that down to `1 + percentCanRetry`.
 * Taking the larger of the two, as Envoy's retry budget does with its
 * `min_retry_concurrency`, keeps the reserve's purpose (a quiet client can
 * still retry) and makes `1 + percentCanRetry` a bound at any rate above
 * `minRetriesPerSecond / percentCanRetry` calls per second.
 *
 * One budget may be shared by several routers, as Finagle shares it across
 * the filters of a client; they must then run on the same clock.
 */
export class RetryBudget implements RetryLimiter {
  readonly percentCanRetry: number;
  readonly minRetriesPerSecond: number;
  readonly ttl: number;
  readonly #deposit: number;
  readonly #withdrawal: number;
  readonly #reserve: number;
  #window: WindowedCounter | undefined;
  #granted = 0;
  #refused = 0;

  constructor(options?: RetryBudgetOptions) {
    const given = optionsObject('options', options);
    rejectUnknownKeys(given, RETRY_BUDGET_OPTION_KEYS, '', 'option');
    const { percentCanRetry = 0.2, minRetriesPerSecond = 10, ttl = 10_000 } = given;
    this.percentCanRetry = numberOption('percentCanRetry', percentCanRetry, { min: 0, max: SCALE });
    this.minRetriesPerSecond = numberOption('minRetriesPerSecond', minRetriesPerSecond, { min: 0, max: 1e9 });
    this.ttl = durationOption('ttl', ttl, { min: 0, minExclusive: true });
    // As in Finagle: with no percentage, calls earn nothing and each retry costs one unit of the reserve.
    this.#deposit = this.percentCanRetry === 0 ? 0 : SCALE;
    this.#withdrawal = this.percentCanRetry === 0 ? 1 : Math.floor(SCALE / this.percentCanRetry);
    this.#reserve = Math.floor(this.minRetriesPerSecond * (this.ttl / 1_000) * this.#withdrawal);
  }

  onCall(now: number): void {
    if (this.#deposit !== 0) this.#counter(now).add(now, this.#deposit, CALLS);
  }

  onAttemptSettled(): void {}

  tryAcquire(now: number): boolean {
    if (this.#balance(now) < this.#withdrawal) {
      this.#refused++;
      return false;
    }
    this.#counter(now).add(now, this.#withdrawal, RETRIES);
    this.#granted++;
    return true;
  }

  stats(now: number): RetryLimiterStats {
    return {
      kind: 'budget',
      available: Math.max(0, Math.floor(this.#balance(now) / this.#withdrawal)),
      granted: this.#granted,
      refused: this.#refused,
    };
  }

  #balance(now: number): number {
    const window = this.#counter(now);
    return Math.max(this.#reserve, window.sum(now, CALLS)) - window.sum(now, RETRIES);
  }

  // Created on first use, so the window starts at the first call's time rather than at construction.
  #counter(now: number): WindowedCounter {
    this.#window ??= new WindowedCounter(this.ttl, SLOTS, now, 2);
    return this.#window;
  }
}
