import type { Policy } from 'cockatiel';
import { InvalidOptionError } from './errors.js';

/**
 * Range checks for options objects. Each returns the value it checked, so a
 * constructor reads `this.limit = integerOption('limit', options.limit ?? 10, { min: 1 })`
 * and the error names the option and the allowed range.
 */
export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** Whether `min` itself is excluded: (min, …]. */
  readonly minExclusive?: boolean;
  /** Whether `max` itself is excluded: […, max). */
  readonly maxExclusive?: boolean;
}

/** (0, ∞]: a positive amount, or Infinity for "no limit". */
export const positiveOrUnlimited: NumberRange = Object.freeze({
  min: 0,
  minExclusive: true,
  max: Number.POSITIVE_INFINITY,
});

/** A number in `range`. Infinity passes only where `max` is `Infinity` (shown as `∞]`). */
export function numberOption(option: string, value: unknown, range: NumberRange = {}): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !inRange(value, range)) {
    throw new InvalidOptionError(option, `a number in ${formatRange(range)}`, value);
  }
  return value;
}

/** A safe integer in `range`. Infinity passes only where `max` is `Infinity`, meaning "no limit". */
export function integerOption(option: string, value: unknown, range: NumberRange = {}): number {
  const isWhole = typeof value === 'number' && (Number.isSafeInteger(value) || value === Number.POSITIVE_INFINITY);
  if (!isWhole || !inRange(value, range)) {
    throw new InvalidOptionError(option, `an integer in ${formatRange(range)}`, value);
  }
  return value;
}

/**
 * A duration in milliseconds, ≥ 0 unless `range` narrows it. Infinity passes
 * only where `max` is `Infinity`, which reads as "no limit".
 */
export function durationOption(option: string, value: unknown, range: NumberRange = { min: 0 }): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !inRange(value, range)) {
    throw new InvalidOptionError(option, `a duration in milliseconds in ${formatRange(range)}`, value);
  }
  return value;
}

/**
 * One of cockatiel's policy builders (`handleAll`, `handleType(…)`,
 * `handleWhen(…)`, `handleWhenResult(…)`), which say which outcomes count as
 * failures. Checked by shape, not `instanceof`, so a second copy of
 * cockatiel in the dependency tree still fits.
 */
export function policyOption(option: string, value: unknown): Policy {
  const filters = (value as { options?: { errorFilter?: unknown; resultFilter?: unknown } } | null)?.options;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof filters?.errorFilter !== 'function' ||
    typeof filters.resultFilter !== 'function'
  ) {
    throw new InvalidOptionError(
      option,
      'a cockatiel policy builder (handleAll, handleType(…), handleWhen(…), handleWhenResult(…))',
      value,
    );
  }
  return value as Policy;
}

/** One of a fixed set of string values. */
export function oneOfOption<const T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** A function, for callbacks and strategies. */
export function functionOption<F extends (...args: never[]) => unknown>(option: string, value: unknown): F {
  if (typeof value !== 'function') throw new InvalidOptionError(option, 'a function', value);
  return value as F;
}

/** A plain options object, or undefined (which reads as `{}`). */
export function optionsObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(name, 'an options object', value);
  }
  return value;
}

/** Interval notation for a range: `(0, 1]`, `[1, ∞)`. */
export function formatRange({ min, max, minExclusive, maxExclusive }: NumberRange): string {
  const low = min === undefined ? '(-∞' : `${minExclusive ? '(' : '['}${min}`;
  const high = max === undefined ? '∞)' : `${max === Number.POSITIVE_INFINITY ? '∞' : max}${maxExclusive ? ')' : ']'}`;
  return `${low}, ${high}`;
}

function inRange(value: number, { min, max, minExclusive, maxExclusive }: NumberRange): boolean {
  if (min !== undefined && (minExclusive ? value <= min : value < min)) return false;
  if (max !== undefined && (maxExclusive ? value >= max : value > max)) return false;
  if (!Number.isFinite(value) && value !== max) return false;
  return true;
}
