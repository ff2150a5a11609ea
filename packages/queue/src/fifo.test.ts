import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('behaves as an array used as a queue, through compactions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer(), fc.constant('shift' as const), fc.constant('remove' as const)), {
          maxLength: 500,
        }),
        (steps) => {
          const fifo = new Fifo<number>();
          const model: number[] = [];
          for (const step of steps) {
            if (step === 'shift') expect(fifo.shift()).toBe(model.shift());
            else if (step === 'remove') {
              const target = model[Math.floor(model.length / 2)];
              if (target !== undefined) {
                expect(fifo.remove(target)).toBe(true);
                model.splice(model.indexOf(target), 1);
              } else expect(fifo.remove(42)).toBe(false);
            } else {
              fifo.push(step);
              model.push(step);
            }
            expect(fifo.size).toBe(model.length);
            expect(fifo.peek()).toBe(model[0]);
          }
          expect([...fifo]).toEqual(model);
          expect(fifo.drain()).toEqual(model);
          expect(fifo.size).toBe(0);
        },
      ),
    );
  });
});
