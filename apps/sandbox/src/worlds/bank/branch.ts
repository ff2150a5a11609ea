import type { CircuitBreaker } from '@palisade/breaker';
import type { Identity } from '@palisade/messaging';
import type { NodeId } from '../../sim/network.ts';
import type { SimNode } from '../../sim/node.ts';

/** The protections a bank world can switch on and off. */
export type BankFeature = 'encryption' | 'authentication' | 'tokens' | 'monitoring' | 'rotation';

/** One branch of the bank: a node, its current key, and head office's token for its own money. */
export interface Branch {
  readonly id: NodeId;
  readonly node: SimNode;
  identity: Identity;
  /** Head office's token granting this branch the right to move its own money, anywhere in the bank. */
  token: string;
  /** Its revocation id, so a stolen token can be revoked with the key. */
  tokenId: Uint8Array;
  /** With palisade: one circuit breaker per branch it sends to. */
  readonly breakers: Map<NodeId, CircuitBreaker>;
  sent: number;
}

/** The attacker's address on the network. */
export const ATTACKER = 'mallory';

/** Tokens are for the bank's transfer service, which every branch runs. */
export const TOKEN_AUDIENCE = 'bank-transfers';

export function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (char) => char.charCodeAt(0));
}
