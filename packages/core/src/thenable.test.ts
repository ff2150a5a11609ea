import { describe, expect, it } from 'vitest';
import { isThenable } from './thenable.js';

describe('isThenable', () => {
  it('is true for promises and for any object or function with a then method', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what is under test
    expect(isThenable({ then: () => {} })).toBe(true);
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what is under test
    const thenableFunction = Object.assign(() => {}, { then: () => {} });
    expect(isThenable(thenableFunction)).toBe(true);
  });

  // biome-ignore lint/suspicious/noThenProperty: a non-function then is what is under test
  it.each([null, undefined, 0, 'then', { then: 1 }, [], () => {}])('is false for %o', (value) => {
    expect(isThenable(value)).toBe(false);
  });
});
