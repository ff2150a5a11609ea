import { InvalidArgumentError } from '@palisade/core';

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
