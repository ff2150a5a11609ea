import { fmix32 } from './murmur3.js';
import type { ShardRouter, ShardRouterFactory } from './shard-router.js';

// The paper's 64-bit LCG multiplier, 2862933555777941757, split into 32-bit halves.
const MULTIPLIER_HIGH = 0x27bb2ee6;
const MULTIPLIER_LOW = 0x87b0b0fd;

/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent
 * Hash Algorithm", 2014, https://arxiv.org/abs/1406.2294) of the 64-bit key
 * `high:low`, bit for bit the paper's C++: the 64-bit LCG is done in 16-bit
 * limbs because JavaScript numbers hold 53 bits.
 */
export function jumpHash(keyHigh: number, keyLow: number, buckets: number): number {
  let high = keyHigh >>> 0;
  let low = keyLow >>> 0;
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    // key = key * MULTIPLIER + 1 (mod 2^64)
    const a0 = low & 0xffff;
    const a1 = low >>> 16;
    const b0 = MULTIPLIER_LOW & 0xffff;
    const b1 = MULTIPLIER_LOW >>> 16;
    const p00 = a0 * b0;
    const p01 = a0 * b1;
    const p10 = a1 * b0;
    const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const productLow = (((middle & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
    let productHigh = (carry + Math.imul(high, MULTIPLIER_LOW) + Math.imul(low, MULTIPLIER_HIGH)) >>> 0;
    low = (productLow + 1) >>> 0;
    if (low === 0) productHigh = (productHigh + 1) >>> 0;
    high = productHigh;
    // (key >> 33) is the top 31 bits.
    next = Math.floor((bucket + 1) * (2147483648 / ((high >>> 1) + 1)));
  }
  return bucket;
}

/**
 * Jump consistent hashing: no memory beyond the shard list, a lookup in
 * O(log n), and perfect balance in expectation. Shards are numbered buckets,
 * so it can only grow or shrink at the end: `removeShard` accepts only the
 * most recently added shard. Use it where shards are replicas that come and
 * go in order (a pool that scales out and in).
 */
export function jumpRouter(): ShardRouterFactory {
  return { kind: 'jump', create: (shardIds) => new JumpRouter(shardIds) };
}

class JumpRouter implements ShardRouter {
  readonly kind = 'jump';
  readonly loadAware = false;
  readonly shardIds: readonly number[];

  constructor(shardIds: readonly number[]) {
    this.shardIds = Object.freeze([...shardIds]);
  }

  route(hash: number): number {
    // The key hash has 32 bits; the low half is mixed again so that the LCG
    // starts from a full 64-bit state instead of one with a repeated half.
    const bucket = jumpHash(hash, fmix32(hash ^ 0x6a09e667), this.shardIds.length);
    return this.shardIds[bucket] as number;
  }

  canRemove(shardId: number): boolean {
    return this.shardIds[this.shardIds.length - 1] === shardId;
  }
}
