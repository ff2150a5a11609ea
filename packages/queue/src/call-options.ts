import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { rejectUnknownOptions } from '@palisade/core/internal';

/**
 * Checks that a method's options are an object. Options given to a method
 * are arguments: a bad one is an `InvalidArgumentError` naming
 * `options.<key>`, never the constructor's `InvalidOptionError`.
 */
export function callOptions<T extends object>(options: T): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object', options);
  }
  return options;
}

/**
 * Throws `InvalidArgumentError` for the first key of a method's options that
 * is not in `known`, suggesting the nearest known one: in plain JavaScript a
 * misspelled option would otherwise be ignored without a word.
 */
export function rejectUnknownCallOptions(options: object, known: readonly string[]): void {
  try {
    rejectUnknownOptions(options, known, 'options.');
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    throw new InvalidArgumentError(error.argument, error.expected, error.received);
  }
}
