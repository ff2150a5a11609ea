import { integerOption } from './validate.js';

/** A source of uniform numbers in [0, 1), shaped like `Math.random`. */
export type Random = () => number;

/** The default source of randomness: `Math.random`. Not for cryptography. */
export const defaultRandom: Random = () => Math.random();

/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32): one
 * seed always gives the same sequence, on every platform. Use it to make
 * tests, benchmarks and simulations repeatable. Not for cryptography.
 *
 * @param seed Any safe integer; both halves of seeds above 2^32 count.
 */
export function seededRandom(seed: number): Random {
  integerOption('seed', seed, { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  const next = splitmix32(((seed % 2 ** 32) >>> 0) ^ Math.floor(seed / 2 ** 32));
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  const sfc32: Random = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 2 ** 32;
  };
  // The first outputs still carry the seed's structure; the sfc32 author's
  // reference implementation discards them the same way.
  for (let i = 0; i < 12; i++) sfc32();
  return sfc32;
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}
