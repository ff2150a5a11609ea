import { InvalidArgumentError } from '@palisade/core';
import { ReplayedMessageError } from './errors.js';

const BLOCK_BITS = 32;

/**
 * The anti-replay sliding window of RFC 6479: a ring of 32-bit blocks, so
 * moving the window forward clears whole blocks instead of shifting bits.
 * `check` has no side effects; the caller authenticates the frame and only
 * then calls `accept`, so a forged frame with a huge counter cannot slide the
 * window and make honest frames look old.
 */
export class ReplayWindow {
  /**
   * How many counters, the highest included, are remembered: a counter
   * `size` or more behind the highest is refused. Exactly what was asked
   * for; the ring may hold more, but those bits are never consulted.
   */
  readonly size: number;
  readonly #blocks: Uint32Array;
  readonly #blockMask: number;
  #highest = -1;

  /**
   * @param size bits of history. The ring is rounded up to a power-of-two
   * number of blocks with one spare block (RFC 6479), so the block holding
   * the oldest counter in the window is never the one being cleared; the
   * bound itself stays `size`.
   */
  constructor(size = 2048) {
    if (!Number.isSafeInteger(size) || size < 32 || size > 2 ** 20) {
      throw new InvalidArgumentError('size', 'an integer in [32, 1048576]', size);
    }
    let blockCount = 2;
    while ((blockCount - 1) * BLOCK_BITS < size) blockCount *= 2;
    this.#blocks = new Uint32Array(blockCount);
    this.#blockMask = blockCount - 1;
    this.size = size;
  }

  /** The highest counter accepted so far, or -1. */
  get highest(): number {
    return this.#highest;
  }

  /** Throws `ReplayedMessageError` for a duplicate or a counter behind the window. */
  check(counter: number): void {
    if (counter > this.#highest) return;
    if (this.#highest - counter >= this.size) throw new ReplayedMessageError('behind-window', counter);
    const block = this.#blocks[Math.floor(counter / BLOCK_BITS) & this.#blockMask] as number;
    if ((block >>> (counter % BLOCK_BITS)) & 1) throw new ReplayedMessageError('duplicate', counter);
  }

  /** Records an authenticated counter. Call `check` first. */
  accept(counter: number): void {
    if (counter > this.#highest) {
      const currentBlock = Math.floor(this.#highest / BLOCK_BITS);
      const newBlock = Math.floor(counter / BLOCK_BITS);
      const toClear = Math.min(newBlock - currentBlock, this.#blocks.length);
      for (let i = 1; i <= toClear; i++) this.#blocks[(currentBlock + i) & this.#blockMask] = 0;
      this.#highest = counter;
    }
    const index = Math.floor(counter / BLOCK_BITS) & this.#blockMask;
    this.#blocks[index] = (this.#blocks[index] as number) | (1 << (counter % BLOCK_BITS));
  }
}
