import type { Clock } from '@palisade/core';
import { type KeyDirectory, verifyToken } from '@palisade/messaging';
import type { NodeId } from '../../sim/network.ts';
import { fromBase64Url, TOKEN_AUDIENCE } from './branch.ts';
import type { Transfer } from './transfer.ts';

/** A transfer without a token that grants moving the sending branch's money. */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';
  /** The verifier's error code, or "no token". */
  readonly reason: string;
  constructor(reason: string) {
    super(`token refused: ${reason}`);
    this.reason = reason;
  }
}

/**
 * A branch checking that a transfer's token lets the sender move that
 * money. Authentication says who sent it; only the token says whose money
 * the sender may move.
 */
export class TokenCheck {
  readonly #directory: KeyDirectory;
  readonly #clock: Clock;
  /** Tokens already verified, by receiver, branch and token. */
  readonly #verified = new Set<string>();

  constructor(directory: KeyDirectory, clock: Clock) {
    this.#directory = directory;
    this.#clock = clock;
    // Verifying costs a signature check per block, so branches remember what
    // they verified; a revocation anywhere makes them check again.
    directory.onRevoke(() => this.#verified.clear());
  }

  /** Throws `TokenRefusedError` unless the transfer's token grants it. */
  check(receiver: NodeId, transfer: Transfer): void {
    const token = transfer.token;
    if (token === undefined) throw new TokenRefusedError('no token');
    const key = `${receiver} ${transfer.fromBranch} ${token}`;
    if (this.#verified.has(key)) return;
    try {
      verifyToken(fromBase64Url(token), {
        directory: this.#directory,
        audience: TOKEN_AUDIENCE,
        right: `transfer:${transfer.fromBranch}`,
        clock: this.#clock,
      });
    } catch (error) {
      throw new TokenRefusedError(error instanceof Error && 'code' in error ? String(error.code) : 'no token');
    }
    this.#verified.add(key);
  }
}
