import { handleAll, handleType } from 'cockatiel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import {
  durationOption,
  formatRange,
  functionOption,
  integerOption,
  numberOption,
  oneOfOption,
  optionsObject,
  policyOption,
} from './validate.js';

describe('option validators', () => {
  it('formats ranges in interval notation', () => {
    expect(formatRange({ min: 0, minExclusive: true, max: 1 })).toBe('(0, 1]');
    expect(formatRange({ min: 1 })).toBe('[1, ∞)');
    expect(formatRange({ min: 1, max: Number.POSITIVE_INFINITY })).toBe('[1, ∞]');
    expect(formatRange({ max: 5, maxExclusive: true })).toBe('(-∞, 5)');
  });

  it('numberOption enforces exclusive and inclusive bounds', () => {
    const range = { min: 0, minExclusive: true, max: 1 };
    expect(numberOption('threshold', 1, range)).toBe(1);
    expect(numberOption('threshold', 0.001, range)).toBe(0.001);
    expect(() => numberOption('threshold', 0, range)).toThrow(
      'Invalid option "threshold": expected a number in (0, 1], received 0.',
    );
    expect(() => numberOption('threshold', 1.01, range)).toThrow(InvalidOptionError);
    expect(() => numberOption('threshold', Number.NaN, range)).toThrow(InvalidOptionError);
    expect(() => numberOption('threshold', '0.5', range)).toThrow(InvalidOptionError);
  });

  it('accepts Infinity only where the range says max: Infinity', () => {
    expect(() => integerOption('attempts', Number.POSITIVE_INFINITY, { min: 0 })).toThrow(InvalidOptionError);
    expect(integerOption('attempts', Number.POSITIVE_INFINITY, { min: 0, max: Number.POSITIVE_INFINITY })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => numberOption('x', Number.NEGATIVE_INFINITY)).toThrow(InvalidOptionError);
  });

  it('integerOption rejects fractions and unsafe integers', () => {
    expect(integerOption('count', 3, { min: 1 })).toBe(3);
    expect(() => integerOption('count', 2.5, { min: 1 })).toThrow('expected an integer in [1, ∞), received 2.5');
    expect(() => integerOption('count', 2 ** 60, { min: 1 })).toThrow(InvalidOptionError);
  });

  it('durationOption rejects negative and non-finite durations', () => {
    expect(durationOption('openMs', 0)).toBe(0);
    expect(() => durationOption('openMs', -1)).toThrow('a duration in milliseconds in [0, ∞)');
    expect(() => durationOption('openMs', Number.POSITIVE_INFINITY)).toThrow(InvalidOptionError);
    expect(() => durationOption('openMs', Number.NaN)).toThrow(InvalidOptionError);
    expect(() => durationOption('windowMs', 0, { min: 0, minExclusive: true })).toThrow('(0, ∞)');
  });

  it('durationOption takes Infinity as "no limit" where max is Infinity', () => {
    const limit = { min: 0, minExclusive: true, max: Number.POSITIVE_INFINITY };
    expect(durationOption('timeout', Number.POSITIVE_INFINITY, limit)).toBe(Number.POSITIVE_INFINITY);
    expect(() => durationOption('timeout', 0, limit)).toThrow('a duration in milliseconds in (0, ∞]');
  });

  it('policyOption accepts cockatiel policy builders and refuses anything else', () => {
    expect(policyOption('handle', handleAll)).toBe(handleAll);
    const typed = handleType(TypeError).orWhenResult((r) => r === 503);
    expect(policyOption('handle', typed)).toBe(typed);
    for (const bad of [undefined, null, 'all', () => true, { options: {} }]) {
      expect(() => policyOption('retry.handle', bad)).toThrow(
        'Invalid option "retry.handle": expected a cockatiel policy builder',
      );
    }
  });

  it('oneOfOption lists the allowed values', () => {
    expect(oneOfOption('mode', 'fifo', ['fifo', 'lifo'])).toBe('fifo');
    expect(() => oneOfOption('mode', 'random', ['fifo', 'lifo'])).toThrow('expected one of "fifo", "lifo"');
  });

  it('functionOption and optionsObject check shapes', () => {
    const fn = () => 1;
    expect(functionOption('onEvict', fn)).toBe(fn);
    expect(() => functionOption('onEvict', 'nope')).toThrow(InvalidOptionError);
    expect(optionsObject('options', undefined)).toEqual({});
    expect(() => optionsObject('options', null as never)).toThrow(InvalidOptionError);
    expect(() => optionsObject('options', [] as never)).toThrow(InvalidOptionError);
  });

  it('numberOption accepts exactly the values inside a random range', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.double({ noNaN: false }),
        (min, width, minExclusive, maxExclusive, value) => {
          const max = min + width;
          const range = { min, max, minExclusive, maxExclusive };
          const inside =
            !Number.isNaN(value) &&
            (minExclusive ? value > min : value >= min) &&
            (maxExclusive ? value < max : value <= max);
          if (inside) expect(numberOption('x', value, range)).toBe(value);
          else expect(() => numberOption('x', value, range)).toThrow(InvalidOptionError);
        },
      ),
    );
  });
});
