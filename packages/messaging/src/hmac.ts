import { bytesEqual, checkBytes } from './bytes.js';
import { nacl } from './nacl.js';

const BLOCK_LENGTH = 128;

/** HMAC-SHA-512 (RFC 2104) on tweetnacl's SHA-512, which has no HMAC of its own. Throws `InvalidArgumentError` for non-bytes. */
export function hmacSha512(key: Uint8Array, message: Uint8Array): Uint8Array {
  checkBytes('key', key);
  checkBytes('message', message);
  const block = new Uint8Array(BLOCK_LENGTH);
  block.set(key.length > BLOCK_LENGTH ? nacl.hash(key) : key);
  const inner = new Uint8Array(BLOCK_LENGTH + message.length);
  const outer = new Uint8Array(BLOCK_LENGTH + 64);
  for (let i = 0; i < BLOCK_LENGTH; i++) {
    const byte = block[i] as number;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  inner.set(message, BLOCK_LENGTH);
  outer.set(nacl.hash(inner), BLOCK_LENGTH);
  block.fill(0);
  inner.fill(0, 0, BLOCK_LENGTH);
  return nacl.hash(outer);
}

/** Verifies a (possibly truncated) HMAC-SHA-512 tag in constant time. An empty tag never verifies. */
export function verifyHmacSha512(key: Uint8Array, message: Uint8Array, tag: Uint8Array): boolean {
  if (checkBytes('tag', tag).length === 0 || tag.length > 64) return false;
  return bytesEqual(hmacSha512(key, message).subarray(0, tag.length), tag);
}
