import { checkBytes, isBytes } from './bytes.js';
import { nacl } from './nacl.js';

export const ED25519_SIGNATURE_LENGTH = 64;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SECRET_KEY_LENGTH = 64;

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * True when the signature's S half is below the group order. Without this
 * check (tweetnacl omits it) S + L verifies too, so signatures are malleable
 * and Wycheproof's malleability vectors pass. RFC 8032 §5.1.7 requires it.
 */
export function hasCanonicalScalar(signature: Uint8Array): boolean {
  if (!isBytes(signature, ED25519_SIGNATURE_LENGTH)) return false;
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i] as number;
    const l = GROUP_ORDER[i] as number;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false;
}

/**
 * Ed25519 verification with the S < L check tweetnacl lacks. Never throws:
 * anything that is not bytes of the right length is simply not a valid
 * signature.
 */
export function strictVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isBytes(message) || !isBytes(publicKey, ED25519_PUBLIC_KEY_LENGTH) || !hasCanonicalScalar(signature)) {
    return false;
  }
  return nacl.sign.detached.verify(message, signature, publicKey);
}

/** `secretKey` is tweetnacl's 64-byte Ed25519 secret key. Throws `InvalidArgumentError` for bad arguments. */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(
    checkBytes('message', message),
    checkBytes('secretKey', secretKey, ED25519_SECRET_KEY_LENGTH),
  );
}
