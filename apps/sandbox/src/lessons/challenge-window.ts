import type { ChallengeResult } from './lesson.ts';

/**
 * Requests that started in the last second may still be in flight, and
 * counting only the ones that already ended would flatter a slow side, so
 * request windows stop this long before now.
 */
export const SETTLE_MS = 1_000;

/** The latest of some times, or undefined when any is undefined: when all of several conditions started holding. */
export function allSince(...times: readonly (number | undefined)[]): number | undefined {
  let latest = Number.NEGATIVE_INFINITY;
  for (const time of times) {
    if (time === undefined) return undefined;
    latest = Math.max(latest, time);
  }
  return times.length === 0 ? undefined : latest;
}

/**
 * Whether a condition that has held since `since` has held for `needMs`
 * by `now`, and the `holding` field a result reports meanwhile.
 */
export function held(
  since: number | undefined,
  needMs: number,
  now: number,
): { readonly ready: boolean; readonly holding: ChallengeResult['holding'] } {
  if (since === undefined) return { ready: false, holding: undefined };
  return { ready: now - since >= needMs, holding: { since, needMs } };
}

/**
 * A share as a percentage with one decimal, rounded down: rounding is for
 * display, after the comparison, and must never show 99.0% for a 98.95%
 * that failed a 99% bar.
 */
export function percentDown(share: number): string {
  return `${(Math.floor(share * 1000 + 1e-9) / 10).toFixed(1)}%`;
}
