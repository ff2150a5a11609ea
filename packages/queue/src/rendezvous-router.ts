import { fmix32, murmur3Number } from './murmur3.js';
import type { ShardRouter, ShardRouterFactory } from './shard-router.js';

/**
 * The score of a (key, shard) pair. MurmurHash3's finaliser avalanches, so
 * the scores of one key on two shards behave as independent draws even though
 * they come from one key hash.
 */
export function rendezvousScore(keyHash: number, shardSeed: number): number {
  return fmix32((keyHash ^ shardSeed) + 0x9e3779b9);
}

/** The per-shard seed: the shard id's hash, so that a shard's scores do not depend on its position. */
export function shardSeed(shardId: number): number {
  return murmur3Number(shardId, 0x5bd1e995);
}

/**
 * Rendezvous (highest random weight) hashing, Thaler and Ravishankar 1996:
 * each key goes to the shard where its score is highest. Removing any shard
 * moves only that shard's keys, and adding one takes about 1/(n+1) of the
 * keys, all of them to the new shard.
 *
 * Scoring every shard costs one mix per shard on every lookup, so keys are
 * first hashed into 65,536 slots (2²⁰ above 64 shards) and each slot's winner
 * is computed once and remembered: a lookup is then one array read. Keys of a
 * slot move together, which keeps every property above at slot granularity.
 */
export function rendezvousRouter(): ShardRouterFactory {
  return { kind: 'rendezvous', create: (shardIds) => new RendezvousRouter(shardIds) };
}

const UNKNOWN = -1;

class RendezvousRouter implements ShardRouter {
  readonly kind = 'rendezvous';
  readonly loadAware = false;
  readonly shardIds: readonly number[];
  readonly #seeds: Int32Array;
  readonly #slotShift: number;
  /** Index into `shardIds` of each slot's winner, filled on first use. */
  readonly #winners: Int16Array;

  constructor(shardIds: readonly number[]) {
    this.shardIds = Object.freeze([...shardIds]);
    this.#seeds = Int32Array.from(shardIds, shardSeed);
    const slotBits = shardIds.length <= 64 ? 16 : 20;
    this.#slotShift = 32 - slotBits;
    this.#winners = new Int16Array(1 << slotBits).fill(UNKNOWN);
  }

  route(hash: number): number {
    const slot = hash >>> this.#slotShift;
    let winner = this.#winners[slot] as number;
    if (winner === UNKNOWN) {
      winner = this.#highestScore(fmix32(slot ^ 0x2545f491));
      this.#winners[slot] = winner;
    }
    return this.shardIds[winner] as number;
  }

  canRemove(): boolean {
    return true;
  }

  #highestScore(slotHash: number): number {
    const seeds = this.#seeds;
    let best = 0;
    let bestScore = -1;
    for (let i = 0; i < seeds.length; i++) {
      const score = rendezvousScore(slotHash, seeds[i] as number);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }
}
