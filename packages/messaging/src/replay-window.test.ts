import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './replay-window.js';

describe('ReplayWindow', () => {
  it('matches a reference model: accepts each counter once, refuses counters size or more behind the highest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }), (counters) => {
        const window = new ReplayWindow(64);
        const seen = new Set<number>();
        let highest = -1;
        for (const counter of counters) {
          let accepted = true;
          try {
            window.check(counter);
          } catch {
            accepted = false;
          }
          const expected = !seen.has(counter) && !(highest - counter >= window.size);
          expect(accepted).toBe(expected);
          if (accepted) {
            window.accept(counter);
            seen.add(counter);
            highest = Math.max(highest, counter);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles counters near 2^53 and huge jumps', () => {
    const window = new ReplayWindow(128);
    window.accept(5);
    window.accept(2 ** 52);
    expect(() => window.check(2 ** 52)).toThrow();
    expect(() => window.check(2 ** 52 - 1)).not.toThrow();
    expect(() => window.check(5)).toThrow();
  });
});
