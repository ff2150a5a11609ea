import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { editDistance, nearestKey, rejectUnknownOptions } from './known-options.js';

const known = ['halfOpenAfter', 'threshold', 'clock', 'random', 'halfOpen'] as const;

describe('rejectUnknownOptions', () => {
  it('accepts known keys only', () => {
    expect(() => rejectUnknownOptions({ clock: 1, threshold: 2 }, known)).not.toThrow();
    expect(() => rejectUnknownOptions({}, known)).not.toThrow();
  });

  it('throws InvalidOptionError naming the key, suggesting the nearest known one', () => {
    let error: unknown;
    try {
      rejectUnknownOptions({ halfOpenAftr: 5000 }, known);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({
      code: 'ERR_PALISADE_INVALID_OPTION',
      option: 'halfOpenAftr',
      received: 5000,
    });
    expect((error as Error).message).toBe(
      'Invalid option "halfOpenAftr": expected a known option: did you mean "halfOpenAfter"?, received 5000.',
    );
  });

  it('lists the known keys when nothing is close, and prefixes nested paths', () => {
    expect(() => rejectUnknownOptions({ zzz: true }, known, 'halfOpen.')).toThrow(
      'Invalid option "halfOpen.zzz": expected one of the known options (halfOpenAfter, threshold, clock, random, halfOpen), received true.',
    );
    expect(() => rejectUnknownOptions({ Threshhold: 1 }, known, 'rule.')).toThrow('did you mean "rule.threshold"?');
  });
});

describe('nearestKey', () => {
  it('finds a key for a single typo (insertion, deletion, substitution or swap) of any known key', () => {
    const edit = fc.tuple(
      fc.constantFrom(...known),
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'substitute', 'swap'),
    );
    fc.assert(
      fc.property(edit, ([key, at, kind]) => {
        const i = at % key.length;
        const typo =
          kind === 'insert'
            ? `${key.slice(0, i)}x${key.slice(i)}`
            : kind === 'delete'
              ? key.slice(0, i) + key.slice(i + 1)
              : kind === 'substitute'
                ? `${key.slice(0, i)}${key[i] === 'q' ? 'z' : 'q'}${key.slice(i + 1)}`
                : i + 1 < key.length
                  ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2)
                  : key;
        // A typo of "halfOpen" may be nearer "halfOpenAfter"'s prefix; it must at least be within one edit.
        const found = nearestKey(typo, known);
        expect(found).toBeDefined();
        expect(editDistance(typo.toLowerCase(), (found as string).toLowerCase())).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('suggests nothing for a name unlike any key', () => {
    expect(nearestKey('retries', known)).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('is zero exactly for equal strings, symmetric, and at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const distance = editDistance(a, b);
        expect(distance === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(distance);
        expect(distance).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});
