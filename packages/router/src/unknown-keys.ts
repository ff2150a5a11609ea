import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { rejectUnknownOptions } from '@palisade/core/internal';

/**
 * Throws for the first own key of `object` that is not in `known`, naming it
 * `path` + key and suggesting the nearest known key: in plain JavaScript a
 * misspelled option would otherwise be ignored without a word. Given to a
 * constructor, the object's keys are options (`InvalidOptionError`); given
 * to a method, they are arguments (`InvalidArgumentError`).
 */
export function rejectUnknownKeys(
  object: object,
  known: readonly string[],
  path: string,
  as: 'option' | 'argument',
): void {
  try {
    rejectUnknownOptions(object, known, path);
  } catch (error) {
    if (as === 'option' || !(error instanceof InvalidOptionError)) throw error;
    throw new InvalidArgumentError(error.argument, error.expected, error.received);
  }
}
