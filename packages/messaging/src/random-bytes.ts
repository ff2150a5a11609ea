import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { concatBytes, utf8, writeUint32 } from './bytes.js';
import { nacl } from './nacl.js';

/** Returns `length` random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

/** tweetnacl's CSPRNG (`crypto.getRandomValues` in browsers and Node). The only source used unless a test overrides it. */
export const secureRandomBytes: RandomBytes = (length) => nacl.randomBytes(length);

/** Checks the `insecureRandomBytesForTests` option. */
export function randomBytesOption(value: unknown): RandomBytes {
  if (typeof value !== 'function') {
    throw new InvalidOptionError('insecureRandomBytesForTests', 'a function (length) => Uint8Array', value);
  }
  return value as RandomBytes;
}

/**
 * INSECURE: a deterministic byte stream (SHA-512 in counter mode over the
 * seed) for golden vectors, reproducible tests and simulations. Anyone who
 * knows the seed knows every key made from it. Pass it only as an
 * `insecureRandomBytesForTests` option, never in production.
 */
export function insecureDeterministicRandomBytes(seed: string): RandomBytes {
  if (typeof seed !== 'string') throw new InvalidArgumentError('seed', 'a string', seed);
  const seedBytes = utf8(`palisade insecure test random: ${seed}`);
  let block = 0;
  let pool: Uint8Array = new Uint8Array(0);
  let poolOffset = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let written = 0; written < length; ) {
      if (poolOffset === pool.length) {
        const counter = new Uint8Array(4);
        writeUint32(counter, 0, block++);
        pool = nacl.hash(concatBytes(seedBytes, counter));
        poolOffset = 0;
      }
      const take = Math.min(length - written, pool.length - poolOffset);
      out.set(pool.subarray(poolOffset, poolOffset + take), written);
      written += take;
      poolOffset += take;
    }
    return out;
  };
}
