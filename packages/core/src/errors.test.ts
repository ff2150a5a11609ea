import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  brandError,
  CancelledError,
  type CoreErrorCode,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidOptionError,
  isPalisadeError,
  PalisadeError,
} from './errors.js';
import { ClockReentrancyError, ClockRunawayError } from './virtual-clock.js';

describe('PalisadeError', () => {
  it('carries a stable code and the message it was given', () => {
    const error = new PalisadeError('ERR_PALISADE_EXAMPLE', 'Something failed; do this instead.');
    expect(error.code).toBe('ERR_PALISADE_EXAMPLE');
    expect(error.message).toBe('Something failed; do this instead.');
    expect(error).toBeInstanceOf(Error);
    expect(isPalisadeError(error)).toBe(true);
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    expect(new PalisadeError('ERR_PALISADE_EXAMPLE', 'wrapped', { cause }).cause).toBe(cause);
  });

  it('recognises a branded cockatiel subclass as a PalisadeError', () => {
    class OpenCircuit extends BrokenCircuitError {}
    const error = brandError(new OpenCircuit(), 'ERR_PALISADE_CIRCUIT_OPEN');
    expect(error).toBeInstanceOf(PalisadeError);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error.code).toBe('ERR_PALISADE_CIRCUIT_OPEN');
  });

  it('does not widen instanceof for subclasses', () => {
    const cancelled = new CancelledError();
    expect(cancelled).toBeInstanceOf(PalisadeError);
    expect(cancelled).not.toBeInstanceOf(InvalidArgumentError);
    expect(new InvalidOptionError('x', 'y', 1)).toBeInstanceOf(InvalidArgumentError);
    expect(new InvalidArgumentError('x', 'y', 1)).not.toBeInstanceOf(InvalidOptionError);
  });

  it('does not recognise plain errors or look-alikes', () => {
    expect(new Error('x')).not.toBeInstanceOf(PalisadeError);
    expect({ code: 'ERR_PALISADE_X', message: 'x' }).not.toBeInstanceOf(PalisadeError);
    expect(isPalisadeError(Object.assign(new Error('x'), { code: 'ERR_PALISADE_X' }))).toBe(false);
    expect(isPalisadeError(undefined)).toBe(false);
  });
});

describe('InvalidOptionError', () => {
  it('names the option, the allowed range and the value received', () => {
    const error = new InvalidOptionError('threshold', 'a number in (0, 1]', 1.5);
    expect(error.message).toBe('Invalid option "threshold": expected a number in (0, 1], received 1.5.');
    expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option: 'threshold', received: 1.5 });
  });

  it.each([
    ['text', '"text"'],
    [10n, '10n'],
    [() => 1, 'a function'],
    [null, 'null'],
    [[1, 2], 'an array of length 2'],
    [new Map(), 'an object (Map)'],
  ])('describes %s as %s', (value, description) => {
    expect(new InvalidArgumentError('arg', 'something', value).message).toContain(`received ${description}.`);
  });
});

describe('cancellation errors', () => {
  it('CancelledError is a cockatiel TaskCancelledError carrying the reason', () => {
    const reason = new Error('user left');
    const error = new CancelledError(reason);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error.cause).toBe(reason);
    expect(error.code).toBe('ERR_PALISADE_CANCELLED');
  });

  it('DeadlineExceededError is a TaskCancelledError with the budget', () => {
    const error = new DeadlineExceededError(250);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error).toMatchObject({ code: 'ERR_PALISADE_DEADLINE_EXCEEDED', timeout: 250 });
    expect(error.message).toContain('250 ms');
  });
});

describe('CoreErrorCode', () => {
  it("types each core error's code as its own literal, a member of CoreErrorCode", () => {
    expectTypeOf<InvalidArgumentError['code']>().toEqualTypeOf<
      'ERR_PALISADE_INVALID_ARGUMENT' | 'ERR_PALISADE_INVALID_OPTION'
    >();
    expectTypeOf<InvalidOptionError['code']>().toEqualTypeOf<'ERR_PALISADE_INVALID_OPTION'>();
    expectTypeOf<CancelledError['code']>().toEqualTypeOf<'ERR_PALISADE_CANCELLED'>();
    expectTypeOf<DeadlineExceededError['code']>().toEqualTypeOf<'ERR_PALISADE_DEADLINE_EXCEEDED'>();
    expectTypeOf<ClockReentrancyError['code']>().toEqualTypeOf<'ERR_PALISADE_CLOCK_REENTRANT'>();
    expectTypeOf<ClockRunawayError['code']>().toEqualTypeOf<'ERR_PALISADE_CLOCK_RUNAWAY'>();
    type Thrown =
      | InvalidArgumentError
      | CancelledError
      | DeadlineExceededError
      | ClockReentrancyError
      | ClockRunawayError;
    expectTypeOf<Thrown['code']>().toEqualTypeOf<CoreErrorCode>();
  });

  it('the codes at run time are the ones the union lists', () => {
    const codes: CoreErrorCode[] = [
      new InvalidArgumentError('a', 'b', 1).code,
      new InvalidOptionError('a', 'b', 1).code,
      new CancelledError().code,
      new DeadlineExceededError(1).code,
      new ClockReentrancyError().code,
      new ClockRunawayError(1).code,
    ];
    expect(codes).toEqual([
      'ERR_PALISADE_INVALID_ARGUMENT',
      'ERR_PALISADE_INVALID_OPTION',
      'ERR_PALISADE_CANCELLED',
      'ERR_PALISADE_DEADLINE_EXCEEDED',
      'ERR_PALISADE_CLOCK_REENTRANT',
      'ERR_PALISADE_CLOCK_RUNAWAY',
    ]);
  });
});
