import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';

/**
 * Whether a value came in as a method's argument or as a field of an options
 * object: the same check raises `InvalidArgumentError` naming the parameter
 * for the one, `InvalidOptionError` naming the option's dotted path for the
 * other.
 */
export type InputKind = 'argument' | 'option';

export function invalidInput(kind: InputKind, name: string, expected: string, received: unknown): InvalidArgumentError {
  return kind === 'option'
    ? new InvalidOptionError(name, expected, received)
    : new InvalidArgumentError(name, expected, received);
}
