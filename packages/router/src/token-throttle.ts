import { numberOption, optionsObject } from '@palisade/core/internal';
import type { RetryLimiter, RetryLimiterStats } from './retry-limiter.js';
import { rejectUnknownKeys } from './unknown-keys.js';

export interface TokenRetryThrottleOptions {
  /**
   * The bucket's size. Every failed attempt takes one token; retries and
   * hedges go only while more than half the bucket is left. gRPC's
   * `maxTokens`, in (0, 1000].
   * @default 10
   */
  readonly maxTokens?: number;
  /**
   * Tokens a successful attempt puts back, in (0, 1]. gRPC's `tokenRatio`;
   * like gRPC, it counts in thousandths.
   * @default 0.1
   */
  readonly tokenRatio?: number;
}

const TOKEN_RETRY_THROTTLE_OPTION_KEYS = Object.keys({
  maxTokens: true,
  tokenRatio: true,
} satisfies Record<keyof TokenRetryThrottleOptions, true>);

/**
 * gRPC's retry throttling (gRFC A6): a bucket of `maxTokens` that failures
 * drain and successes refill by `tokenRatio`. While the bucket is at most
 * half full, no retry or hedge goes out, so a total outage costs at most
 * `maxTokens / 2` extra attempts before retries stop altogether, and they
 * resume once enough calls succeed again.
 */
export class TokenRetryThrottle implements RetryLimiter {
  readonly maxTokens: number;
  readonly tokenRatio: number;
  // In thousandths of a token, as gRPC specifies, so that refills do not drift.
  readonly #max: number;
  readonly #refill: number;
  #tokens: number;
  #granted = 0;
  #refused = 0;

  constructor(options?: TokenRetryThrottleOptions) {
    const given = optionsObject('options', options);
    rejectUnknownKeys(given, TOKEN_RETRY_THROTTLE_OPTION_KEYS, '', 'option');
    const { maxTokens = 10, tokenRatio = 0.1 } = given;
    this.maxTokens = numberOption('maxTokens', maxTokens, { min: 0, minExclusive: true, max: 1_000 });
    this.tokenRatio = numberOption('tokenRatio', tokenRatio, { min: 0, minExclusive: true, max: 1 });
    this.#max = Math.round(this.maxTokens * 1_000);
    this.#refill = Math.max(1, Math.round(this.tokenRatio * 1_000));
    this.#tokens = this.#max;
  }

  /** Tokens in the bucket now. */
  get tokens(): number {
    return this.#tokens / 1_000;
  }

  onCall(): void {}

  onAttemptSettled(failed: boolean): void {
    this.#tokens = failed ? Math.max(0, this.#tokens - 1_000) : Math.min(this.#max, this.#tokens + this.#refill);
  }

  tryAcquire(): boolean {
    if (this.#tokens * 2 > this.#max) {
      this.#granted++;
      return true;
    }
    this.#refused++;
    return false;
  }

  stats(): RetryLimiterStats {
    return {
      kind: 'throttle',
      available: this.#tokens * 2 > this.#max ? Number.POSITIVE_INFINITY : 0,
      granted: this.#granted,
      refused: this.#refused,
      tokens: this.tokens,
    };
  }
}
