import { InvalidArgumentError, VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fail, outcome, recordEvents, succeed } from './breaker.test-util.js';
import { BreakerRegistry } from './breaker-registry.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';

const strictBreaker = (clock = new VirtualClock()) =>
  new CircuitBreaker({ clock, rule: new ConsecutiveFailuresRule({ threshold: 1 }), halfOpenAfter: 1_000 });

/** What `execute` threw synchronously, or undefined if it returned. */
function thrownBy(call: () => unknown): unknown {
  try {
    const result = call();
    if (result instanceof Promise) result.catch(() => {});
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('execute with bad arguments', () => {
  it.each([
    ['fn', [42]],
    ['fn', [undefined]],
    ['fn', ['() => 1']],
    ['signal', [succeed, 'nope']],
    ['signal', [succeed, null]],
    ['signal', [succeed, {}]],
    ['signal', [succeed, { aborted: false }]],
  ])('throws InvalidArgumentError for %s at the call site: %o', (argument, args) => {
    const breaker = strictBreaker();
    const error = thrownBy(() => (breaker.execute as (...a: unknown[]) => unknown)(...args));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument });
  });

  it('never counts: a breaker with threshold 1 stays closed, and no event fires', () => {
    const breaker = strictBreaker();
    const events = recordEvents(breaker, true);
    expect(() => breaker.execute(42 as never)).toThrow(InvalidArgumentError);
    expect(() => breaker.execute(succeed, 'nope' as never)).toThrow(InvalidArgumentError);
    expect(breaker.record.kind).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0, inFlight: 0 });
    expect(events).toEqual([]);
  });

  it('does not run fn when the signal is bad', () => {
    const breaker = strictBreaker();
    let ran = false;
    const fn = () => {
      ran = true;
    };
    expect(() => breaker.execute(fn, 'nope' as never)).toThrow(InvalidArgumentError);
    expect(ran).toBe(false);
  });

  it('does not take the half-open probe: the next good call probes and closes the circuit', async () => {
    const clock = new VirtualClock();
    const breaker = strictBreaker(clock);
    await breaker.execute(fail).catch(() => {});
    expect(breaker.record.kind).toBe('open');
    await clock.advance(1_000);
    expect(() => breaker.execute(42 as never)).toThrow(InvalidArgumentError);
    expect(() => breaker.execute(succeed, 'nope' as never)).toThrow(InvalidArgumentError);
    expect(await outcome(breaker.execute(succeed))).toEqual({ value: 'ok' });
    expect(breaker.record.kind).toBe('closed');
  });

  it('accepts a signal that is not instanceof AbortSignal but has its shape (another realm, a polyfill)', async () => {
    const breaker = strictBreaker();
    const foreign = Object.assign(new EventTarget(), { aborted: false, reason: undefined });
    expect(foreign instanceof AbortSignal).toBe(false);
    expect(await breaker.execute(({ signal }) => signal === (foreign as unknown), foreign as never)).toBe(true);
  });

  it('property: whatever the bad arguments, the call throws InvalidArgumentError and the breaker is untouched', () => {
    const notAFunction = fc.anything().filter((value) => typeof value !== 'function');
    const notASignal = fc.anything().filter((value) => value !== undefined);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            notAFunction.map((fn) => [fn] as const),
            notASignal.map((signal) => [succeed, signal] as const),
          ),
          { minLength: 1, maxLength: 10 },
        ),
        (calls) => {
          const breaker = strictBreaker();
          const events = recordEvents(breaker, true);
          for (const args of calls) {
            const error = thrownBy(() => (breaker.execute as (...a: unknown[]) => unknown)(...args));
            expect(error).toBeInstanceOf(InvalidArgumentError);
          }
          expect(breaker.stats()).toMatchObject({ calls: 0, inFlight: 0 });
          expect(events).toEqual([]);
        },
      ),
    );
  });
});

describe('BreakerRegistry.execute with bad arguments', () => {
  it('throws InvalidArgumentError before creating the key’s breaker', () => {
    const registry = new BreakerRegistry<string>({ clock: new VirtualClock() });
    expect(() => registry.execute('a', 42 as never)).toThrow(InvalidArgumentError);
    expect(() => registry.execute('b', succeed, 'nope' as never)).toThrow(InvalidArgumentError);
    expect(registry.size).toBe(0);
  });
});
