import { checkBytes, isAllZero, isBytes } from './bytes.js';
import { LowOrderPointError, MalformedMessageError } from './errors.js';
import { nacl } from './nacl.js';

export const X25519_KEY_LENGTH = 32;

/**
 * X25519 that refuses low-order peer keys. tweetnacl returns the all-zero
 * secret for them without complaint, which would let an attacker force a
 * known session key; RFC 7748 §6.1 says to check for it, and we do.
 */
export function safeX25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  checkBytes('secretKey', secretKey, X25519_KEY_LENGTH);
  checkPeerPublicKey(peerPublicKey);
  const shared = nacl.scalarMult(secretKey, peerPublicKey);
  if (isAllZero(shared)) throw new LowOrderPointError();
  return shared;
}

export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return nacl.scalarMult.base(checkBytes('secretKey', secretKey, X25519_KEY_LENGTH));
}

/**
 * The peer's key comes off the wire, so a bad one is a malformed message;
 * our own secret key is an argument, so a bad one is `InvalidArgumentError`.
 */
export function checkPeerPublicKey(peerPublicKey: unknown): asserts peerPublicKey is Uint8Array {
  if (!isBytes(peerPublicKey)) throw new MalformedMessageError('X25519 public key', 'not-bytes');
  if (peerPublicKey.length !== X25519_KEY_LENGTH) {
    throw new MalformedMessageError('X25519 public key', 'bad-length', `${peerPublicKey.length} bytes`);
  }
}
