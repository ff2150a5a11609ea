/**
 * MurmurHash3's 32-bit hash of a string's UTF-16 code units. Rendezvous
 * hashing needs a hash that is stable across processes and platforms, so
 * that every client sends a key to the same endpoint; this one is.
 */
export function hashString(text: string, seed = 0): number {
  let hash = seed >>> 0;
  const length = text.length;
  let index = 0;
  for (; index + 1 < length; index += 2) {
    let chunk = (text.charCodeAt(index) & 0xffff) | ((text.charCodeAt(index + 1) & 0xffff) << 16);
    chunk = Math.imul(chunk, 0xcc9e2d51);
    chunk = (chunk << 15) | (chunk >>> 17);
    chunk = Math.imul(chunk, 0x1b873593);
    hash ^= chunk;
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  if (index < length) {
    let chunk = text.charCodeAt(index) & 0xffff;
    chunk = Math.imul(chunk, 0xcc9e2d51);
    chunk = (chunk << 15) | (chunk >>> 17);
    chunk = Math.imul(chunk, 0x1b873593);
    hash ^= chunk;
  }
  hash ^= length * 2;
  return mix32(hash);
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
export function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
