import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { ByteReader, ByteWriter, concatBytes, utf8 } from './bytes.js';
import { AuthenticationFailedError } from './errors.js';
import { hkdfSha512 } from './hkdf.js';
import { type Identity, identitySecrets, type PublicIdentity } from './identity.js';
import { nacl } from './nacl.js';
import { type RandomBytes, randomBytesOption, secureRandomBytes } from './random-bytes.js';
import { MessageType, peekMessageType, SECRETBOX_TAG_LENGTH, WIRE_VERSION } from './wire.js';
import { safeX25519, x25519PublicKey } from './x25519.js';

export interface SealedBoxOptions {
  /** Bound into the key derivation; opening needs the same value. @default '' */
  readonly context?: string;
  /** INSECURE, for tests and golden vectors only: source of the ephemeral key. @default tweetnacl's CSPRNG */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

const SEAL_OPTION_KEYS = [
  'context',
  'insecureRandomBytesForTests',
] as const satisfies readonly (keyof SealedBoxOptions)[];

const ZERO_NONCE = new Uint8Array(24);

function contextOption(context: unknown): string {
  if (context === undefined) return '';
  if (typeof context !== 'string') throw new InvalidOptionError('context', 'a string', context);
  return context;
}
const SEALED_HEADER_LENGTH = 36;

function sealedKey(
  sharedSecret: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
  context: string,
): Uint8Array {
  const contextBytes = utf8(context);
  const info = new ByteWriter()
    .bytes(utf8('palisade/v1 sealed box'))
    .u16(contextBytes.length)
    .bytes(contextBytes)
    .finish();
  return hkdfSha512(sharedSecret, concatBytes(ephemeral, recipient), info, 32);
}

function recipientKey(recipient: PublicIdentity | Uint8Array): Uint8Array {
  const key = recipient instanceof Uint8Array ? recipient : recipient?.agreementPublicKey;
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new InvalidArgumentError('recipient', 'a PublicIdentity or a 32-byte X25519 public key', recipient);
  }
  return key;
}

/**
 * One anonymous message to a public key, for bootstrapping (before any
 * session exists): a fresh ephemeral X25519 key, HKDF over the shared secret
 * and both public keys, then secretbox. Like libsodium's `crypto_box_seal`,
 * the recipient learns nothing about who sent it: authenticate the contents
 * some other way if it matters.
 */
export function sealTo(
  recipient: PublicIdentity | Uint8Array,
  plaintext: Uint8Array,
  options?: SealedBoxOptions,
): Uint8Array {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, SEAL_OPTION_KEYS);
  const context = contextOption(given.context);
  const randomBytes = randomBytesOption(given.insecureRandomBytesForTests ?? secureRandomBytes);
  if (!(plaintext instanceof Uint8Array)) throw new InvalidArgumentError('plaintext', 'a Uint8Array', plaintext);
  const recipientPublicKey = recipientKey(recipient);
  const ephemeralSecret = randomBytes(32);
  const ephemeralPublicKey = x25519PublicKey(ephemeralSecret);
  const sharedSecret = safeX25519(ephemeralSecret, recipientPublicKey);
  ephemeralSecret.fill(0);
  const key = sealedKey(sharedSecret, ephemeralPublicKey, recipientPublicKey, context);
  sharedSecret.fill(0);
  const box = nacl.secretbox(plaintext, ZERO_NONCE, key);
  key.fill(0);
  return concatBytes(Uint8Array.of(WIRE_VERSION, MessageType.sealedBox, 0, 0), ephemeralPublicKey, box);
}

/** Opens a sealed box addressed to `identity`. Throws a typed error; never returns unauthenticated bytes. */
export function openSealed(
  identity: Identity,
  sealed: Uint8Array,
  options?: Pick<SealedBoxOptions, 'context'>,
): Uint8Array {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ['context']);
  const context = contextOption(given.context);
  const type = peekMessageType(sealed, 'sealed box');
  const reader = new ByteReader(sealed, 'sealed box');
  if (type !== MessageType.sealedBox) reader.fail('wrong-type', `0x${type.toString(16)}`);
  reader.u16();
  if (reader.u16() !== 0) reader.fail('reserved-bits');
  const ephemeralPublicKey = reader.bytes(32);
  if (reader.remaining < SECRETBOX_TAG_LENGTH) reader.fail('truncated', 'no room for the tag');
  const box = reader.rest();
  const sharedSecret = safeX25519(identitySecrets(identity).agreementSecretKey, ephemeralPublicKey);
  const key = sealedKey(sharedSecret, ephemeralPublicKey, identity.agreementPublicKey, context);
  sharedSecret.fill(0);
  const plaintext = nacl.secretbox.open(box, ZERO_NONCE, key);
  key.fill(0);
  if (!plaintext) throw new AuthenticationFailedError('sealed box');
  return plaintext;
}

export const SEALED_BOX_OVERHEAD = SEALED_HEADER_LENGTH + SECRETBOX_TAG_LENGTH;
