import { formatRange, InvalidOptionError, type NumberRange } from '@palisade/core';
import type { Policy } from 'cockatiel';

/**
 * A duration in milliseconds where Infinity means "no limit". Core's
 * `durationOption` rejects Infinity outright, so limits that are off by
 * default (`slowCallDuration`, `halfOpen.maxDuration`) are checked here.
 */
export function limitOption(option: string, value: unknown, range: NumberRange = { min: 0 }): number {
  const bounds = { ...range, max: Number.POSITIVE_INFINITY };
  const { min = 0, minExclusive = false } = bounds;
  const ok = typeof value === 'number' && !Number.isNaN(value) && (minExclusive ? value > min : value >= min);
  if (!ok) {
    throw new InvalidOptionError(
      option,
      `a duration in milliseconds in ${formatRange(bounds)} (Infinity for no limit)`,
      value,
    );
  }
  return value;
}

/**
 * One of cockatiel's `handleAll` / `handleType` / `handleWhen` /
 * `handleWhenResult` builders. Checked by shape rather than `instanceof`, so a
 * second copy of cockatiel in the tree still fits.
 */
export function handleOption(option: string, value: unknown): Policy {
  const options = (value as { options?: { errorFilter?: unknown; resultFilter?: unknown } } | null)?.options;
  if (typeof options?.errorFilter !== 'function' || typeof options.resultFilter !== 'function') {
    throw new InvalidOptionError(
      option,
      'a cockatiel Policy (handleAll, handleType(...), handleWhen(...), handleWhenResult(...))',
      value,
    );
  }
  return value as Policy;
}
