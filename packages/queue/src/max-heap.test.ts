import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MaxHeap } from './max-heap.js';

describe('MaxHeap', () => {
  it('pops values from largest to smallest, infinities included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(Number.NEGATIVE_INFINITY))), (values) => {
        const heap = new MaxHeap();
        for (const value of values) heap.push(value);
        expect(heap.size).toBe(values.length);
        const popped: number[] = [];
        for (let value = heap.pop(); value !== undefined; value = heap.pop()) popped.push(value);
        expect(popped).toEqual([...values].sort((a, b) => b - a));
      }),
    );
  });
});
