import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

type Step = { kind: 'push'; value: number } | { kind: 'shift' } | { kind: 'remove'; pick: number } | { kind: 'drain' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('shift' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

describe('RingBuffer', () => {
  it('behaves as an array used as a queue, through wraps, growth and shrinking', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 600 }), (steps) => {
        const buffer = new RingBuffer<number>();
        const model: number[] = [];
        for (const s of steps) {
          if (s.kind === 'push') {
            buffer.push(s.value);
            model.push(s.value);
          } else if (s.kind === 'shift') {
            expect(buffer.shift()).toBe(model.shift());
          } else if (s.kind === 'remove') {
            if (model.length === 0) {
              expect(buffer.indexOf(42)).toBe(model.indexOf(42));
              continue;
            }
            const target = model[s.pick % model.length] as number;
            const index = model.indexOf(target);
            expect(buffer.indexOf(target)).toBe(index);
            buffer.removeAt(index);
            model.splice(index, 1);
          } else {
            expect(buffer.drain()).toEqual(model.splice(0));
          }
          expect(buffer.size).toBe(model.length);
          expect(buffer.first()).toBe(model[0]);
        }
        expect(buffer.toArray()).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its order across many wraps of a steady length, and beyond the size new Array(n) keeps fast', () => {
    const buffer = new RingBuffer<number>();
    let next = 0;
    let first = 0;
    for (let i = 0; i < 10_000; i++) buffer.push(next++);
    for (let round = 0; round < 50_000; round++) {
      buffer.push(next++);
      expect(buffer.shift()).toBe(first++);
    }
    expect(buffer.size).toBe(10_000);
    expect(buffer.first()).toBe(first);
    expect(buffer.toArray()).toEqual(Array.from({ length: 10_000 }, (_, i) => first + i));
  });

  it('finds nothing in an empty buffer', () => {
    const buffer = new RingBuffer<string>();
    expect(buffer.first()).toBeUndefined();
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.indexOf('a')).toBe(-1);
    expect(buffer.drain()).toEqual([]);
  });
});
