import type { Clock } from '@palisade/core';
import { type KeyDirectory, verifyToken } from '@palisade/messaging';
import { HQ, holderOf, homeOf, isBranch } from './accounts.ts';
import { orderRight, type Transfer } from './transfer.ts';

/** The right HQ grants a branch on another branch: to ask it to write its customers' orders. */
export const RELAY_RIGHT = 'relay:orders';

/**
 * Who asks a home branch to write a transfer: another branch over a
 * channel (`peer` as the channel authenticated it, with the credential it
 * presented), or the home branch's own worker.
 */
export type Sender = { readonly peer: string; readonly credential: string | undefined } | 'local';

/**
 * Why a request was refused. The first six mean someone sent what no honest
 * branch sends: a monitor alerts on them. `stale-credential` is what an
 * honest branch may send right after its key was replaced (its old
 * credential was revoked with it).
 */
export type Refusal =
  | 'not-a-branch'
  | 'no-credential'
  | 'forged-credential'
  | 'forged-order'
  | 'not-account-holder'
  | 'not-home'
  | 'stale-credential';

export const ALARMING_REFUSALS: ReadonlySet<Refusal> = new Set([
  'not-a-branch',
  'no-credential',
  'forged-credential',
  'forged-order',
  'not-account-holder',
  'not-home',
]);

export interface AuthoriseContext {
  /** This branch. */
  readonly self: string;
  readonly directory: KeyDirectory;
  readonly customers: number;
  readonly clock?: Clock;
  /**
   * Credentials that passed before. A credential is used for every request
   * a branch sends, and checking one costs signature verifications, so a
   * branch remembers which passed; whoever holds this set empties it on any
   * revocation (`directory.onRevoke`), after which each is checked again.
   */
  readonly verifiedCredentials?: Set<string>;
}

const tokenBytes = (base64: string): Uint8Array => Uint8Array.from(Buffer.from(base64, 'base64'));

const isRevocation = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_PALISADE_MESSAGING_TOKEN_REVOKED' || code === 'ERR_PALISADE_MESSAGING_TOKEN_EXPIRED';
};

/**
 * Everything a home branch checks before it writes a transfer, in order:
 * a sender over a channel is a branch (the channel authenticated it) and
 * holds a credential from HQ for this branch; the order is signed by the
 * customer who owns the source account and grants exactly this transfer;
 * and the account is held here. Authentication says who sent the request;
 * only the two tokens say what it may do.
 */
export function authoriseWrite(
  sender: Sender,
  transfer: Transfer,
  context: AuthoriseContext,
): { ok: true } | { ok: false; refusal: Refusal } {
  const { self, directory, customers, clock, verifiedCredentials } = context;
  if (sender !== 'local') {
    if (!isBranch(sender.peer) || sender.peer === self) return { ok: false, refusal: 'not-a-branch' };
    if (sender.credential === undefined) return { ok: false, refusal: 'no-credential' };
    if (!verifiedCredentials?.has(sender.credential)) {
      try {
        const credential = verifyToken(tokenBytes(sender.credential), {
          directory,
          audience: self,
          right: RELAY_RIGHT,
          ...(clock === undefined ? {} : { clock }),
        });
        if (credential.issuer !== HQ) return { ok: false, refusal: 'forged-credential' };
      } catch (error) {
        return { ok: false, refusal: isRevocation(error) ? 'stale-credential' : 'forged-credential' };
      }
      verifiedCredentials?.add(sender.credential);
    }
  }
  // The order is checked whoever asks: a job can also reach the queue without passing through a branch.
  let issuer: string;
  try {
    issuer = verifyToken(tokenBytes(transfer.order), {
      directory,
      audience: self,
      right: orderRight(transfer),
      ...(clock === undefined ? {} : { clock }),
    }).issuer;
  } catch {
    return { ok: false, refusal: 'forged-order' };
  }
  if (homeOf(transfer.from) !== self) return { ok: false, refusal: 'not-home' };
  if (issuer !== holderOf(transfer.from, customers) || issuer !== transfer.customer) {
    return { ok: false, refusal: 'not-account-holder' };
  }
  return { ok: true };
}
