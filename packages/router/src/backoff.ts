import { defaultRandom, type Random } from '@palisade/core';
import {
  ExponentialBackoff,
  fullJitterGenerator,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';

export type RetryBackoff = IBackoffFactory<IRetryBackoffContext<unknown>>;

/**
 * The default retry backoff, Envoy's: exponential from 25 ms, capped at
 * 250 ms (ten times the base), fully jittered, so a retry waits a random
 * time in [0, 25 × 2^n) ms.
 */
export function defaultRetryBackoff(): RetryBackoff {
  return new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 25, maxDelay: 250 });
}

/**
 * Asks a cockatiel backoff for its next step with `Math.random` pointing at
 * `random` for the duration of the call.
 *
 * cockatiel's jitter generators (full, half, decorrelated) call
 * `Math.random` directly and take no source of randomness. Redirecting it
 * for one synchronous call is the only way to make their jitter draw from the
 * injected `Random`, so that a seeded router (the sandbox, a test) retries at
 * the same moments on every run. The original is restored before this
 * returns, even if the backoff throws; a `random` that itself calls
 * `Math.random` gets the original, not itself. Where `Math` is frozen
 * (a hardened realm), the backoff runs with the platform's randomness.
 */
export function nextBackoff(
  step: RetryBackoff | IBackoff<IRetryBackoffContext<unknown>>,
  context: IRetryBackoffContext<unknown>,
  random: Random,
): IBackoff<IRetryBackoffContext<unknown>> {
  if (random === defaultRandom) return step.next(context);
  const original = Math.random;
  let inside = false;
  const redirected = (): number => {
    if (inside) return original();
    inside = true;
    try {
      return random();
    } finally {
      inside = false;
    }
  };
  try {
    Math.random = redirected;
  } catch {
    return step.next(context);
  }
  try {
    return step.next(context);
  } finally {
    Math.random = original;
  }
}
