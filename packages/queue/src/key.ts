import { InvalidArgumentError } from '@palisade/core';
import { murmur3Number, murmur3String } from './murmur3.js';

/**
 * What a queue routes and orders by. Strings and numbers only, because they
 * compare by value in a `Map` and hash the same in every process; anything
 * else needs a `keyOf` function that maps it to one of them.
 */
export type QueueKey = string | number;

const EXPECTED_KEY = 'a string, or a number other than NaN (pass a keyOf option to use other keys)';

/** Throws the typed error for a key that cannot be routed; returns it otherwise. */
export function checkKey(key: unknown, argument = 'key'): QueueKey {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && !Number.isNaN(key)) return key;
  // NaN is a number, but as a key it is nearly always a failed parse.
  throw new InvalidArgumentError(argument, EXPECTED_KEY, key);
}

/**
 * The 32-bit routing hash of a key: MurmurHash3_x86_32 of a string's UTF-8
 * bytes, or of a number's 8 little-endian IEEE-754 bytes. `1` and `'1'` are
 * different keys and hash differently.
 */
export function hashKey(key: QueueKey): number {
  return typeof key === 'string' ? murmur3String(key) : murmur3Number(key);
}
