import { InvalidOptionError, VirtualClock } from '@palisade/core';
import { handleAll } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { BreakerRegistry } from './breaker-registry.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { TimeWindowRule } from './time-window-rule.js';
import type { TripRule } from './trip-rule.js';

/** Asserts that `build` throws an InvalidOptionError naming `option` and mentioning `range`. */
function expectInvalid(build: () => unknown, option: string, range: string): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${option} should be rejected`).toBeInstanceOf(InvalidOptionError);
  const error = thrown as InvalidOptionError;
  expect(error.option).toBe(option);
  expect(error.code).toBe('ERR_PALISADE_INVALID_OPTION');
  expect(error.message).toContain(range);
}

describe('bad options throw InvalidOptionError at construction, naming the option and its range', () => {
  it.each([
    ['a threshold of 0', () => new CountWindowRule({ failureRateThreshold: 0 }), 'failureRateThreshold', '(0, 1]'],
    ['a threshold above 1', () => new CountWindowRule({ failureRateThreshold: 1.5 }), 'failureRateThreshold', '(0, 1]'],
    [
      'a NaN threshold',
      () => new TimeWindowRule({ failureRateThreshold: Number.NaN }),
      'failureRateThreshold',
      '(0, 1]',
    ],
    [
      'a slow-call threshold of 0',
      () => new CountWindowRule({ slowCallRateThreshold: 0 }),
      'slowCallRateThreshold',
      '(0, 1]',
    ],
    ['a window of 0 calls', () => new CountWindowRule({ size: 0 }), 'size', '[1, 1000000]'],
    ['a window of 2.5 calls', () => new CountWindowRule({ size: 2.5 }), 'size', 'an integer'],
    [
      'minimumCalls above the window',
      () => new CountWindowRule({ size: 10, minimumCalls: 11 }),
      'minimumCalls',
      '[1, 10]',
    ],
    ['a time window of 0 ms', () => new TimeWindowRule({ duration: 0 }), 'duration', '(0, ∞)'],
    ['a negative time window', () => new TimeWindowRule({ duration: -5 }), 'duration', '(0, ∞)'],
    ['an infinite time window', () => new TimeWindowRule({ duration: Number.POSITIVE_INFINITY }), 'duration', '(0, ∞)'],
    ['0 buckets', () => new TimeWindowRule({ buckets: 0 }), 'buckets', '[1, 10000]'],
    ['a non-integer minimumCalls', () => new TimeWindowRule({ minimumCalls: 1.5 }), 'minimumCalls', 'an integer'],
    ['a negative slowCallDuration', () => new TimeWindowRule({ slowCallDuration: -1 }), 'slowCallDuration', '(0, ∞]'],
    ['a consecutive threshold of 0', () => new ConsecutiveFailuresRule({ threshold: 0 }), 'threshold', '[1, '],
    [
      'a non-integer consecutive threshold',
      () => new ConsecutiveFailuresRule({ threshold: 2.5 }),
      'threshold',
      'an integer',
    ],
    [
      'a handle that is not a cockatiel Policy',
      () => new ConsecutiveFailuresRule({ handle: (() => true) as never }),
      'handle',
      'cockatiel policy builder',
    ],
    ['a negative halfOpenAfter', () => new CircuitBreaker({ halfOpenAfter: -1 }), 'halfOpenAfter', '[0, ∞)'],
    ['a NaN halfOpenAfter', () => new CircuitBreaker({ halfOpenAfter: Number.NaN }), 'halfOpenAfter', '[0, ∞)'],
    [
      'a halfOpenAfter that is no backoff',
      () => new CircuitBreaker({ halfOpenAfter: {} as never }),
      'halfOpenAfter',
      'backoff',
    ],
    ['0 probes', () => new CircuitBreaker({ halfOpen: { probes: 0 } }), 'halfOpen.probes', '[1, '],
    ['1.5 probes', () => new CircuitBreaker({ halfOpen: { probes: 1.5 } }), 'halfOpen.probes', 'an integer'],
    [
      'a success threshold of 0',
      () => new CircuitBreaker({ halfOpen: { successThreshold: 0 } }),
      'halfOpen.successThreshold',
      '(0, 1]',
    ],
    [
      'a negative probe limit',
      () => new CircuitBreaker({ halfOpen: { maxDuration: -1 } }),
      'halfOpen.maxDuration',
      '(0, ∞]',
    ],
    ['an unknown mode', () => new CircuitBreaker({ mode: 'off' as never }), 'mode', '"metrics-only"'],
    [
      'a breaker handle that is not a Policy',
      () => new CircuitBreaker({ handle: 'all' as never }),
      'handle',
      'cockatiel policy builder',
    ],
    ['an empty rule list', () => new CircuitBreaker({ rule: [] }), 'rule', 'non-empty'],
    ['something that is no rule', () => new CircuitBreaker({ rule: { threshold: 3 } as never }), 'rule', 'trip rule'],
    ['a clock without now()', () => new CircuitBreaker({ clock: {} as never }), 'clock.now', 'a function'],
    [
      'a store without methods',
      () => new CircuitBreaker({ store: { current: () => 0 } as never }),
      'store.transition',
      'a function',
    ],
    ['options that are not an object', () => new CircuitBreaker(42 as never), 'options', 'an options object'],
    [
      'halfOpen that is not an object',
      () => new CircuitBreaker({ halfOpen: 3 as never }),
      'halfOpen',
      'an options object',
    ],
    ['an idle timeout of 0', () => new BreakerRegistry({ idleTimeout: 0 }), 'idleTimeout', '(0, ∞)'],
  ])('%s', (_, build, option, range) => {
    expectInvalid(build, option, range);
  });

  it('a rule already used by another breaker', () => {
    const rule = new ConsecutiveFailuresRule();
    new CircuitBreaker({ rule });
    expectInvalid(() => new CircuitBreaker({ rule }), 'rule', 'no other breaker uses');
    const twice = new CountWindowRule();
    expectInvalid(() => new CircuitBreaker({ rule: [twice, twice] }), 'rule[1]', 'no other breaker uses');
  });

  it('a custom rule already used by another breaker', () => {
    const custom: TripRule = {
      name: 'custom',
      handle: undefined,
      slowCallDuration: Number.POSITIVE_INFINITY,
      needsTime: false,
      state: null,
      record: () => false,
      reset: () => {},
      metrics: () => ({ rule: 'custom', calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 }),
      success: () => {},
      failure: () => false,
    };
    new CircuitBreaker({ rule: custom });
    expectInvalid(() => new CircuitBreaker({ rule: custom }), 'rule', 'no other breaker uses');
  });

  it('a breaker that failed to construct leaves its rules free', () => {
    const rule = new ConsecutiveFailuresRule();
    expect(() => new CircuitBreaker({ rule, halfOpenAfter: -1 })).toThrow(InvalidOptionError);
    expect(() => new CircuitBreaker({ rule })).not.toThrow();
  });

  it('registry options shared by every key may not carry per-breaker state', () => {
    expectInvalid(
      () => new BreakerRegistry({ breaker: { rule: new ConsecutiveFailuresRule() } }),
      'breaker.rule',
      'a function of the key',
    );
    expect(() => new BreakerRegistry({ breaker: { handle: handleAll, halfOpenAfter: 5 } })).not.toThrow();
  });

  it('a malformed initialState, or one saved with other rules', () => {
    expectInvalid(
      () => new CircuitBreaker({ initialState: { circuit: { kind: 'ajar' }, rules: [] } }),
      'initialState',
      'toJSON',
    );
    expectInvalid(() => new CircuitBreaker({ initialState: 'open' }), 'initialState', 'toJSON');
    const saved = new CircuitBreaker({ rule: new CountWindowRule({ size: 5 }) }).toJSON();
    expectInvalid(
      () => new CircuitBreaker({ rule: new CountWindowRule({ size: 6 }), initialState: saved }),
      'initialState.rules[0]',
      'size 6',
    );
    expectInvalid(
      () => new CircuitBreaker({ rule: [new CountWindowRule(), new ConsecutiveFailuresRule()], initialState: saved }),
      'initialState.rules',
      '2 rule(s)',
    );
  });

  it('an invalid per-key option surfaces from registry.get', () => {
    const registry = new BreakerRegistry<string>({
      clock: new VirtualClock(),
      breaker: (key) => ({ halfOpenAfter: key === 'bad' ? -1 : 10 }),
    });
    expect(() => registry.get('good')).not.toThrow();
    expectInvalid(() => registry.get('bad'), 'halfOpenAfter', '[0, ∞)');
    expect(registry.size).toBe(1);
  });

  it('setMode checks its argument', () => {
    expectInvalid(() => new CircuitBreaker().setMode('closed' as never), 'mode', '"normal"');
  });
});

describe('unknown option keys throw InvalidOptionError at construction, suggesting the nearest known key', () => {
  /** Asserts that `build` throws an InvalidOptionError for `option` whose message suggests `suggestion`. */
  function expectUnknown(build: () => unknown, option: string, suggestion: string | undefined): void {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `${option} should be rejected`).toBeInstanceOf(InvalidOptionError);
    const error = thrown as InvalidOptionError;
    expect(error.option).toBe(option);
    if (suggestion === undefined) expect(error.message).not.toContain('did you mean');
    else expect(error.message).toContain(`did you mean "${suggestion}"?`);
  }

  it.each([
    [
      'a misspelled breaker option',
      () => new CircuitBreaker({ halfOpenAftr: 5_000 } as never),
      'halfOpenAftr',
      'halfOpenAfter',
    ],
    ['a wrong-case breaker option', () => new CircuitBreaker({ Rule: new CountWindowRule() } as never), 'Rule', 'rule'],
    [
      'a misspelled halfOpen option',
      () => new CircuitBreaker({ halfOpen: { probe: 2 } } as never),
      'halfOpen.probe',
      'halfOpen.probes',
    ],
    [
      'a cockatiel-style halfOpen option',
      () => new CircuitBreaker({ halfOpen: { maxDurationMs: 10 } } as never),
      'halfOpen.maxDurationMs',
      'halfOpen.maxDuration',
    ],
    [
      'a misspelled consecutive-failures option',
      () => new ConsecutiveFailuresRule({ treshold: 3 } as never),
      'treshold',
      'threshold',
    ],
    [
      'a count-window option of the time window',
      () => new CountWindowRule({ duration: 10_000 } as never),
      'duration',
      undefined,
    ],
    [
      'a misspelled count-window option',
      () => new CountWindowRule({ minimumCall: 5 } as never),
      'minimumCall',
      'minimumCalls',
    ],
    [
      'a misspelled rate option on a time window',
      () => new TimeWindowRule({ failureRateTreshold: 0.3 } as never),
      'failureRateTreshold',
      'failureRateThreshold',
    ],
    [
      'a misspelled registry option',
      () => new BreakerRegistry({ idleTimeot: 10 } as never),
      'idleTimeot',
      'idleTimeout',
    ],
    [
      'a misspelled option in the registry’s shared breaker options',
      () => new BreakerRegistry({ breaker: { halfOpenAftr: 10 } } as never),
      'breaker.halfOpenAftr',
      'breaker.halfOpenAfter',
    ],
    [
      'a misspelled halfOpen option in the registry’s shared breaker options',
      () => new BreakerRegistry({ breaker: { halfOpen: { successTreshold: 0.5 } } } as never),
      'breaker.halfOpen.successTreshold',
      'breaker.halfOpen.successThreshold',
    ],
    ['a key nothing resembles', () => new CircuitBreaker({ foo: 1 } as never), 'foo', undefined],
  ])('%s', (_, build, option, suggestion) => {
    expectUnknown(build, option, suggestion);
  });

  it('a misspelled option in per-key breaker options surfaces from registry.get', () => {
    const registry = new BreakerRegistry<string>({ breaker: () => ({ halfOpenAftr: 10 }) as never });
    expectUnknown(() => registry.get('a'), 'halfOpenAftr', 'halfOpenAfter');
    expect(registry.size).toBe(0);
  });

  it('a breaker that failed on an unknown key leaves its rules free', () => {
    const rule = new ConsecutiveFailuresRule();
    expect(() => new CircuitBreaker({ rule, halfOpenAftr: 10 } as never)).toThrow(InvalidOptionError);
    expect(() => new CircuitBreaker({ rule })).not.toThrow();
  });

  it('every documented option is known', () => {
    expect(
      () =>
        new CircuitBreaker({
          rule: [
            new ConsecutiveFailuresRule({ threshold: 2, handle: handleAll }),
            new CountWindowRule({
              size: 10,
              minimumCalls: 5,
              failureRateThreshold: 0.5,
              slowCallDuration: 100,
              slowCallRateThreshold: 0.5,
              handle: handleAll,
            }),
            new TimeWindowRule({
              duration: 1_000,
              buckets: 10,
              minimumCalls: 5,
              clock: new VirtualClock(),
              failureRateThreshold: 0.5,
              slowCallDuration: 100,
              slowCallRateThreshold: 0.5,
              handle: handleAll,
            }),
          ],
          handle: handleAll,
          halfOpenAfter: 10,
          halfOpen: { probes: 2, successThreshold: 0.5, maxDuration: 100 },
          mode: 'normal',
          initialState: undefined,
          store: undefined,
          clock: new VirtualClock(),
        }),
    ).not.toThrow();
    expect(
      () => new BreakerRegistry({ breaker: { halfOpenAfter: 10 }, idleTimeout: 10, clock: new VirtualClock() }),
    ).not.toThrow();
  });
});
