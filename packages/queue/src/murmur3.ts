// MurmurHash3, x86 32-bit variant (Austin Appleby, public domain; reference:
// https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp).
// Chosen for routing because it is small, has full avalanche, needs only
// 32-bit integer arithmetic (Math.imul), and has published test vectors.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  const h = hash ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

function mixTail(hash: number, tail: number): number {
  let k = Math.imul(tail, C1);
  k = (k << 15) | (k >>> 17);
  return hash ^ Math.imul(k, C2);
}

/** MurmurHash3's finaliser: a bijection on 32 bits in which every input bit flips each output bit with probability ½. */
export function fmix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function finish(hash: number, length: number): number {
  return fmix32(hash ^ length);
}

/** MurmurHash3_x86_32 of `bytes`, as an unsigned 32-bit integer. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let hash = seed | 0;
  const length = bytes.length;
  const blocksEnd = length & ~3;
  for (let i = 0; i < blocksEnd; i += 4) {
    const block =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    hash = mixBlock(hash, block);
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = bytes[blocksEnd] as number;
    if (rest > 1) tail |= (bytes[blocksEnd + 1] as number) << 8;
    if (rest > 2) tail |= (bytes[blocksEnd + 2] as number) << 16;
    hash = mixTail(hash, tail);
  }
  return finish(hash, length);
}

/**
 * MurmurHash3_x86_32 of the UTF-8 encoding of `text`, without allocating the
 * encoding: equal to `murmur3Bytes(new TextEncoder().encode(text), seed)`,
 * including the U+FFFD that TextEncoder writes for a lone surrogate. Keys are
 * hashed as UTF-8 so that a non-JavaScript producer (a BullMQ worker in
 * another language, say) can route the same key to the same shard.
 */
export function murmur3String(text: string, seed = 0): number {
  let hash = seed | 0;
  const units = text.length;
  let i = 0;
  // Keys are usually ASCII: take four characters per block while they are.
  while (i + 4 <= units) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) >= 0x80) break;
    hash = mixBlock(hash, a | (b << 8) | (c << 16) | (d << 24));
    i += 4;
  }
  let length = i;
  let block = 0;
  let filled = 0;
  for (; i < units; i++) {
    let code = text.charCodeAt(i);
    // The UTF-8 bytes of one code point, first byte lowest.
    let encoded: number;
    let count: number;
    if (code < 0x80) {
      encoded = code;
      count = 1;
    } else if (code < 0x800) {
      encoded = 0xc0 | (code >>> 6) | ((0x80 | (code & 0x3f)) << 8);
      count = 2;
    } else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(i + 1 < units ? text.charCodeAt(i + 1) : 0)) {
      const point = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      encoded =
        0xf0 |
        (point >>> 18) |
        ((0x80 | ((point >>> 12) & 0x3f)) << 8) |
        ((0x80 | ((point >>> 6) & 0x3f)) << 16) |
        ((0x80 | (point & 0x3f)) << 24);
      count = 4;
    } else {
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      encoded = 0xe0 | (code >>> 12) | ((0x80 | ((code >>> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16);
      count = 3;
    }
    for (let byte = 0; byte < count; byte++) {
      block |= ((encoded >>> (8 * byte)) & 0xff) << (8 * filled);
      if (++filled === 4) {
        hash = mixBlock(hash, block);
        block = 0;
        filled = 0;
      }
    }
    length += count;
  }
  if (filled > 0) hash = mixTail(hash, block);
  return finish(hash, length);
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

const numberView = new DataView(new ArrayBuffer(8));

/**
 * MurmurHash3_x86_32 of the 8 bytes of `value` as a little-endian IEEE-754
 * double. `-0` hashes as `0`, because a `Map` treats them as one key.
 */
export function murmur3Number(value: number, seed = 0): number {
  numberView.setFloat64(0, value === 0 ? 0 : value, true);
  let hash = mixBlock(seed | 0, numberView.getUint32(0, true));
  hash = mixBlock(hash, numberView.getUint32(4, true));
  return finish(hash, 8);
}
