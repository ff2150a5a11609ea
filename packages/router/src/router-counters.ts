import type { RouterStats } from './stats.js';

/**
 * A router's running totals since creation, the counters of `stats()`.
 * Calls move them through these methods, never by writing fields, so that
 * each total has one place that changes it.
 */
export class RouterCounters {
  #calls = 0;
  #successes = 0;
  #failures = 0;
  #cancelled = 0;
  #inFlight = 0;
  #attempts = 0;
  #retries = 0;
  #hedges = 0;
  #hedgeWins = 0;
  #budgetRefusals = 0;
  #deadlineExceeded = 0;
  #noHealthyEndpoint = 0;
  /** Waits for the calls in flight to end: set by `whenIdle`. */
  #idle: (() => void) | undefined;

  callStarted(): void {
    this.#calls++;
    this.#inFlight++;
  }

  callSucceeded(): void {
    this.#inFlight--;
    this.#successes++;
    if (this.#idle !== undefined) this.#ended();
  }

  callFailed(): void {
    this.#inFlight--;
    this.#failures++;
    if (this.#idle !== undefined) this.#ended();
  }

  callCancelled(): void {
    this.#inFlight--;
    this.#cancelled++;
    if (this.#idle !== undefined) this.#ended();
  }

  callTimedOut(): void {
    this.#inFlight--;
    this.#failures++;
    this.#deadlineExceeded++;
    if (this.#idle !== undefined) this.#ended();
  }

  /** Runs `callback` once no call is in flight: at once, or when the last one ends. */
  whenIdle(callback: () => void): void {
    if (this.#inFlight === 0) callback();
    else this.#idle = callback;
  }

  #ended(): void {
    if (this.#inFlight !== 0) return;
    const idle = this.#idle as () => void;
    this.#idle = undefined;
    idle();
  }

  attemptStarted(): void {
    this.#attempts++;
  }

  retryStarted(): void {
    this.#retries++;
  }

  hedgeStarted(): void {
    this.#hedges++;
  }

  hedgeWon(): void {
    this.#hedgeWins++;
  }

  budgetRefused(): void {
    this.#budgetRefusals++;
  }

  noEndpointFound(): void {
    this.#noHealthyEndpoint++;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  counts(): CallCounts {
    return {
      calls: this.#calls,
      successes: this.#successes,
      failures: this.#failures,
      cancelled: this.#cancelled,
      inFlight: this.#inFlight,
      attempts: this.#attempts,
      retries: this.#retries,
      hedges: this.#hedges,
      hedgeWins: this.#hedgeWins,
      budgetRefusals: this.#budgetRefusals,
      deadlineExceeded: this.#deadlineExceeded,
      noHealthyEndpoint: this.#noHealthyEndpoint,
    };
  }
}

/** The counters' part of `RouterStats`. */
export type CallCounts = Omit<RouterStats, 'retryLimiter' | 'tiers' | 'endpoints'>;
