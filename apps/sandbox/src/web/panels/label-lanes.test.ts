import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelLanes } from './label-lanes.ts';

describe('labelLanes', () => {
  it('puts fault names that would overlap in separate rows, and leaves out what has no room', () => {
    // node-2 down at 3 s, node-4 at 3.2 s, node-5 at 3.4 s: three names at almost the same place.
    const spans = [0, 10, 20, 200].map((left) => ({ left, width: 40 }));
    expect(labelLanes(spans, 2, 6)).toEqual([0, 1, undefined, 0]);
  });

  it('never lets two names in one row overlap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ left: fc.integer({ min: 0, max: 500 }), width: fc.integer({ min: 1, max: 80 }) })),
        fc.integer({ min: 1, max: 4 }),
        (unsorted, lanes) => {
          const spans = [...unsorted].sort((a, b) => a.left - b.left);
          const placed = labelLanes(spans, lanes, 4);
          for (let lane = 0; lane < lanes; lane++) {
            const row = spans.filter((_, i) => placed[i] === lane);
            for (let i = 1; i < row.length; i++) {
              const before = row[i - 1] as { left: number; width: number };
              expect((row[i] as { left: number }).left).toBeGreaterThanOrEqual(before.left + before.width + 4);
            }
          }
        },
      ),
    );
  });
});
