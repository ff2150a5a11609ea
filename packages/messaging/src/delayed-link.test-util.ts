import type { Clock } from '@palisade/core';
import { type LinkSide, linkedEnds } from './memory-transport.js';
import type { Transport } from './transport.js';

/**
 * Two connected transports that deliver every message, whole and in order,
 * `latency` ms after it was sent on `clock`: a lossless link that is slow,
 * like a loaded machine or a broker far away. `sent` sees each message as it
 * leaves.
 */
export function createDelayedLink(
  clock: Clock,
  latency: number,
  options: { sent?: (bytes: Uint8Array, from: LinkSide) => void } = {},
): [Transport, Transport] {
  const { sent } = options;
  const intercept =
    sent === undefined
      ? undefined
      : (bytes: Uint8Array, from: LinkSide) => {
          sent(bytes, from);
          return bytes;
        };
  return linkedEnds(intercept, (deliver) => void clock.setTimeout(deliver, latency));
}
