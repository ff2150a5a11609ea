import { defaultRandom, seededRandom } from '@palisade/core';
import {
  ConstantBackoff,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  fullJitterGenerator,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import { describe, expect, it, vi } from 'vitest';
import { defaultRetryBackoff, nextBackoff, type RetryBackoff } from './backoff.js';

const context: IRetryBackoffContext<unknown> = {
  attempt: 1,
  result: { error: new Error('x') },
  signal: new AbortController().signal,
};

function delays(backoff: RetryBackoff, random: () => number, count: number): number[] {
  const out: number[] = [];
  let step: RetryBackoff | IBackoff<IRetryBackoffContext<unknown>> = backoff;
  for (let i = 0; i < count; i++) {
    const next = nextBackoff(step, context, random);
    out.push(next.duration);
    step = next;
  }
  return out;
}

describe('backoffs draw their jitter from the injected Random', () => {
  it('the default is Envoy’s: fully jittered, from 25 ms, capped at 250 ms', () => {
    // cockatiel floors the draw: [0, 25), [0, 50), … [0, 250).
    expect(delays(defaultRetryBackoff(), () => 0.999_999, 6)).toEqual([24, 49, 99, 199, 249, 249]);
    expect(delays(defaultRetryBackoff(), () => 0, 3)).toEqual([0, 0, 0]);
  });

  it('one seed gives the same delays on every run, for cockatiel’s jitter generators', () => {
    for (const generator of [fullJitterGenerator, decorrelatedJitterGenerator]) {
      const backoff = new ExponentialBackoff({ generator: generator as never, initialDelay: 10, maxDelay: 10_000 });
      expect(delays(backoff, seededRandom(9), 8)).toEqual(delays(backoff, seededRandom(9), 8));
      expect(delays(backoff, seededRandom(9), 8)).not.toEqual(delays(backoff, seededRandom(10), 8));
    }
  });

  it('does not touch the platform’s Math.random, and restores it even if the backoff throws', () => {
    const original = Math.random;
    const spy = vi.fn(original);
    Math.random = spy;
    try {
      delays(defaultRetryBackoff(), seededRandom(1), 5);
      expect(spy).not.toHaveBeenCalled();
      expect(Math.random).toBe(spy);
      const throwing: RetryBackoff = {
        next: () => {
          throw new Error('broken backoff');
        },
      };
      expect(() => nextBackoff(throwing, context, seededRandom(1))).toThrow('broken backoff');
      expect(Math.random).toBe(spy);
    } finally {
      Math.random = original;
    }
  });

  it('a Random that itself calls Math.random gets the platform’s, not itself', () => {
    const viaMath = () => Math.random() * 0.5;
    const [delay] = delays(defaultRetryBackoff(), viaMath, 1);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(12.5);
  });

  it('with the default Random, and with constant backoffs, nothing is redirected', () => {
    expect(delays(new ConstantBackoff(40), defaultRandom, 3)).toEqual([40, 40, 40]);
  });
});
