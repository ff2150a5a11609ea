import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Timeline } from './timeline.ts';

describe('Timeline', () => {
  it('says since when a condition has held, and undefined while it does not', () => {
    const down = new Timeline(0);
    down.set(3_000, 1);
    down.set(7_000, 2);
    expect(down.heldSince((count) => count >= 2)).toBe(7_000);
    expect(down.heldSince((count) => count >= 1)).toBe(3_000);
    down.set(13_000, 1);
    expect(down.heldSince((count) => count >= 2)).toBeUndefined();
    expect(down.heldSince((count) => count >= 1)).toBe(3_000);
  });

  it('agrees with a replay of every change, however the changes fall (never earlier than the truth)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(50), fc.integer({ min: 0, max: 3 })), { maxLength: 400 }), (steps) => {
        const timeline = new Timeline(0);
        const values: { at: number; value: number }[] = [{ at: 0, value: 0 }];
        let at = 0;
        for (const [gap, value] of steps) {
          at += gap;
          timeline.set(at, value);
          values.push({ at, value });
        }
        const holds = (value: number) => value >= 2;
        // The truth: the start of the last run of values that all hold, up to the end.
        let truth: number | undefined;
        for (let i = values.length - 1; i >= 0 && holds((values[i] as { value: number }).value); i--) {
          truth = (values[i] as { at: number }).at;
        }
        const since = timeline.heldSince(holds);
        expect(since === undefined).toBe(truth === undefined);
        if (since !== undefined && truth !== undefined) expect(since).toBeGreaterThanOrEqual(truth);
        if (steps.length < Timeline.kept - 1) expect(since).toBe(truth);
      }),
    );
  });
});
