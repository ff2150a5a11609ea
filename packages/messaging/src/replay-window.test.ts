import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from './fixtures.test-util.js';
import { ReplayWindow } from './replay-window.js';

describe('ReplayWindow', () => {
  it('matches a reference model of the size asked for: accepts each counter once, refuses counters size or more behind the highest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 32, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 300 }),
        (size, counters) => {
          const window = new ReplayWindow(size);
          expect(window.size).toBe(size);
          const seen = new Set<number>();
          let highest = -1;
          for (const counter of counters) {
            let accepted = true;
            try {
              window.check(counter);
            } catch {
              accepted = false;
            }
            const expected = !seen.has(counter) && !(highest - counter >= size);
            expect(accepted).toBe(expected);
            if (accepted) {
              window.accept(counter);
              seen.add(counter);
              highest = Math.max(highest, counter);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is exact at its boundary, for the default and for sizes that are not whole blocks', () => {
    for (const size of [2048, 32, 33, 100, 2 ** 20]) {
      const window = new ReplayWindow(size);
      const highest = 3 * size + 17;
      window.accept(highest);
      expect(() => window.check(highest - (size - 1)), `size ${size}`).not.toThrow();
      expect(thrown(() => window.check(highest - size))).toMatchObject({
        code: 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
        reason: 'behind-window',
      });
    }
  });

  it('handles counters near 2^53 and huge jumps', () => {
    const window = new ReplayWindow(128);
    window.accept(5);
    window.accept(2 ** 52);
    expect(() => window.check(2 ** 52)).toThrow();
    expect(() => window.check(2 ** 52 - 1)).not.toThrow();
    expect(() => window.check(5)).toThrow();
  });

  it('refuses a size outside [32, 2^20] with InvalidArgumentError naming `size`', () => {
    for (const size of [31, 2 ** 20 + 1, 64.5, Number.NaN, '64']) {
      expect(() => new ReplayWindow(size as number)).toThrow(
        expect.objectContaining({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument: 'size' }),
      );
    }
  });
});
