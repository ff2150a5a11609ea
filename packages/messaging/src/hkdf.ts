import { InvalidArgumentError } from '@palisade/core';
import { checkBytes } from './bytes.js';
import { hmacSha512 } from './hmac.js';

const HASH_LENGTH = 64;
export const HKDF_MAX_LENGTH = 255 * HASH_LENGTH;

/** HKDF-Extract (RFC 5869) with SHA-512. An empty salt means 64 zero bytes, as the RFC says. */
export function hkdfExtract(salt: Uint8Array, inputKeyMaterial: Uint8Array): Uint8Array {
  checkBytes('salt', salt);
  checkBytes('inputKeyMaterial', inputKeyMaterial);
  return hmacSha512(salt.length === 0 ? new Uint8Array(HASH_LENGTH) : salt, inputKeyMaterial);
}

/** HKDF-Expand (RFC 5869) with SHA-512; at most 255 × 64 bytes. */
export function hkdfExpand(pseudoRandomKey: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkBytes('pseudoRandomKey', pseudoRandomKey);
  checkBytes('info', info);
  if (!Number.isSafeInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
    throw new InvalidArgumentError('length', `an integer in [0, ${HKDF_MAX_LENGTH}]`, length);
  }
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let offset = 0, counter = 1; offset < length; counter++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous);
    input.set(info, previous.length);
    input[input.length - 1] = counter;
    previous = hmacSha512(pseudoRandomKey, input);
    const take = Math.min(HASH_LENGTH, length - offset);
    out.set(previous.subarray(0, take), offset);
    offset += take;
  }
  return out;
}

/** HKDF (RFC 5869) with SHA-512: extract, then expand. */
export function hkdfSha512(
  inputKeyMaterial: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(hkdfExtract(salt, inputKeyMaterial), info, length);
}
