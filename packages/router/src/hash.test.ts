import { describe, expect, it } from 'vitest';
import { hashString, mix32 } from './hash.js';

describe('hashString', () => {
  // MurmurHash3 x86_32, seed 0, of the strings' UTF-16LE bytes, from a reference implementation.
  it.each([
    ['', 0],
    ['a', 1867108634],
    ['ab', 374890698],
    ['abc', 1118836419],
    ['endpoint-1', 948690702],
    ['user:42', 4128512071],
    ['héllo', 493253914],
    ['日本', 2762076403],
  ])('hashes %j to %i', (text, expected) => {
    expect(hashString(text)).toBe(expected);
  });

  it('mixes every bit', () => {
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).not.toBe(mix32(2));
    expect(mix32(0xffffffff)).toBeLessThan(2 ** 32);
  });
});
