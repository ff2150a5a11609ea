import { integerOption, numberOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { fmix32 } from './murmur3.js';
import { shardSeed } from './rendezvous-router.js';
import type { RingPoint, ShardRouter, ShardRouterFactory } from './shard-router.js';

/** Options of `boundedLoadRouter()`. */
export interface BoundedLoadRouterOptions {
  /**
   * How far above the average load a shard may go before keys spill past it:
   * the (1 + ε) of Mirrokni, Thorup and Zadimoghaddam. 1.25 caps every shard
   * at 125% of the average (HAProxy's `hash-balance-factor 125`).
   * @default 1.25
   */
  readonly balanceFactor?: number;
  /**
   * Points per shard on the ring. More points even out the shards' arcs
   * (the spread of a shard's share is about 1/√points) at the cost of memory
   * and a slightly longer lookup.
   * @default 200
   */
  readonly pointsPerShard?: number;
}

const BOUNDED_LOAD_OPTION_KEYS: readonly string[] = Object.keys({
  balanceFactor: true,
  pointsPerShard: true,
} satisfies Record<keyof BoundedLoadRouterOptions, true>);

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam,
 * "Consistent Hashing with Bounded Loads", SODA 2018,
 * https://arxiv.org/abs/1608.01350): a hash ring where a key walks clockwise
 * from its point and takes the first shard whose load is below
 * `balanceFactor` × the average. No shard ever holds more than that, however
 * skewed the keys, and a resize still moves few keys.
 */
export function boundedLoadRouter(options?: BoundedLoadRouterOptions): ShardRouterFactory & {
  readonly balanceFactor: number;
} {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, BOUNDED_LOAD_OPTION_KEYS);
  const { balanceFactor = 1.25, pointsPerShard = 200 } = given;
  numberOption('balanceFactor', balanceFactor, { min: 1, minExclusive: true, max: Number.MAX_VALUE });
  integerOption('pointsPerShard', pointsPerShard, { min: 1, max: 65_536 });
  return {
    kind: 'bounded-load',
    balanceFactor,
    create: (shardIds) => new BoundedLoadRouter(shardIds, balanceFactor, pointsPerShard),
  };
}

class BoundedLoadRouter implements ShardRouter {
  readonly kind = 'bounded-load';
  readonly loadAware = true;
  readonly shardIds: readonly number[];
  readonly balanceFactor: number;
  /** Point positions in ascending order, and the index in `shardIds` of each point's shard. */
  readonly #positions: Uint32Array;
  readonly #owners: Int32Array;
  /** The walk that last tried each shard, so one `place` tries a shard once without clearing anything. */
  readonly #triedAt: Uint32Array;
  #walk = 0;

  constructor(shardIds: readonly number[], balanceFactor: number, pointsPerShard: number) {
    this.shardIds = Object.freeze([...shardIds]);
    this.balanceFactor = balanceFactor;
    const points: { position: number; shardId: number; owner: number }[] = [];
    for (const [owner, shardId] of shardIds.entries()) {
      const seed = shardSeed(shardId);
      for (let point = 0; point < pointsPerShard; point++) {
        points.push({ position: fmix32(seed ^ fmix32(point + 1)), shardId, owner });
      }
    }
    // Ties are astronomically rare, but the order must not depend on insertion.
    points.sort((a, b) => a.position - b.position || a.shardId - b.shardId);
    this.#positions = Uint32Array.from(points, (p) => p.position);
    this.#owners = Int32Array.from(points, (p) => p.owner);
    this.#triedAt = new Uint32Array(shardIds.length);
  }

  route(hash: number): number {
    return this.shardIds[this.#owners[this.#firstAtOrAfter(hash >>> 0)] as number] as number;
  }

  /** The first shard clockwise from the key with a load below ⌈balanceFactor × (totalLoad + 1) / n⌉, counting the key being placed. */
  place(hash: number, loadOf: (shardId: number) => number, totalLoad: number): number {
    const capacity = Math.ceil((this.balanceFactor * (totalLoad + 1)) / this.shardIds.length);
    const owners = this.#owners;
    const triedAt = this.#triedAt;
    const count = owners.length;
    if (this.#walk === 0xffffffff) {
      triedAt.fill(0);
      this.#walk = 0;
    }
    const walk = ++this.#walk;
    let index = this.#firstAtOrAfter(hash >>> 0);
    let tried = 0;
    let leastLoaded = this.route(hash);
    let leastLoad = Number.POSITIVE_INFINITY;
    for (let step = 0; step < count && tried < triedAt.length; step++) {
      const owner = owners[index] as number;
      if (triedAt[owner] !== walk) {
        triedAt[owner] = walk;
        tried++;
        const shardId = this.shardIds[owner] as number;
        const load = loadOf(shardId);
        if (load < capacity) return shardId;
        if (load < leastLoad) {
          leastLoad = load;
          leastLoaded = shardId;
        }
      }
      index = index + 1 === count ? 0 : index + 1;
    }
    // Unreachable when `totalLoad` is the sum of the loads (some shard is at
    // or below the average, below the capacity); a sane answer all the same.
    return leastLoaded;
  }

  canRemove(): boolean {
    return true;
  }

  ring(): readonly RingPoint[] {
    return Array.from(this.#positions, (position, index) => ({
      position,
      shardId: this.shardIds[this.#owners[index] as number] as number,
    }));
  }

  /** Index of the first point at or after `position`, wrapping to 0 past the last. */
  #firstAtOrAfter(position: number): number {
    const positions = this.#positions;
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((positions[middle] as number) < position) low = middle + 1;
      else high = middle;
    }
    return low === positions.length ? 0 : low;
  }
}
