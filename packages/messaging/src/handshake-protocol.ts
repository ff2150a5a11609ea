import { ByteWriter, concatBytes, readUint32, utf8 } from './bytes.js';
import { AuthenticationFailedError, BadSignatureError } from './errors.js';
import type { HandshakeCrypto } from './handshake-crypto.js';
import {
  decodeIdentityProof,
  encodeIdentityBlock,
  encodeIdentityProof,
  HANDSHAKE_MAC_LENGTH,
  type IdentityProof,
} from './handshake-messages.js';
import type { HandshakeConfig } from './handshake-options.js';
import { hkdfExpand, hkdfExtract } from './hkdf.js';
import { hmacSha512, verifyHmacSha512 } from './hmac.js';
import { type Identity, identitySecrets } from './identity.js';
import { nacl } from './nacl.js';

/**
 * Where a handshake side stands. `waiting`: it sent its message and waits
 * for the answer (or is working on one). One-shot: after any rejection it is
 * `failed` and its secrets are erased.
 */
export type HandshakeState = 'new' | 'waiting' | 'established' | 'failed';

/** Each handshake key seals exactly one message, so a zero nonce is safe. */
export const ZERO_NONCE = new Uint8Array(24);
const HANDSHAKE_LABEL = utf8('palisade/v1 handshake');
const HANDSHAKE_KEYS_LABEL = utf8('palisade/v1 handshake keys');
const SESSION_KEYS_LABEL = utf8('palisade/v1 session');
export const RESPONDER_SIGNATURE_LABEL = utf8('palisade/v1 responder signature\0');
export const INITIATOR_SIGNATURE_LABEL = utf8('palisade/v1 initiator signature\0');

export const hash = (...parts: Uint8Array[]): Uint8Array => nacl.hash(concatBytes(...parts));

/** The transcript hash before any message: the label and the shared `context`. */
export function initialHash(context: string): Uint8Array {
  const encoded = utf8(context);
  return hash(new ByteWriter().bytes(HANDSHAKE_LABEL).u16(encoded.length).bytes(encoded).finish());
}

export interface HandshakeKeys {
  readonly responderBox: Uint8Array;
  readonly initiatorBox: Uint8Array;
  readonly responderMac: Uint8Array;
  readonly initiatorMac: Uint8Array;
}

export function handshakeKeys(sharedSecret: Uint8Array, responseTranscript: Uint8Array): HandshakeKeys {
  const okm = hkdfExpand(hkdfExtract(responseTranscript, sharedSecret), HANDSHAKE_KEYS_LABEL, 128);
  return {
    responderBox: okm.subarray(0, 32),
    initiatorBox: okm.subarray(32, 64),
    responderMac: okm.subarray(64, 96),
    initiatorMac: okm.subarray(96, 128),
  };
}

export function eraseHandshakeKeys(keys: HandshakeKeys): void {
  for (const key of Object.values(keys)) key.fill(0);
}

export interface SessionSecrets {
  readonly initiatorToResponder: Uint8Array;
  readonly responderToInitiator: Uint8Array;
  readonly sessionId: number;
}

export function sessionSecrets(
  sharedSecret: Uint8Array,
  finalTranscript: Uint8Array,
  initiatorBlock: Uint8Array,
  responderBlock: Uint8Array,
): SessionSecrets {
  const info = concatBytes(SESSION_KEYS_LABEL, initiatorBlock, responderBlock);
  const okm = hkdfExpand(hkdfExtract(finalTranscript, sharedSecret), info, 68);
  return {
    initiatorToResponder: okm.slice(0, 32),
    responderToInitiator: okm.slice(32, 64),
    sessionId: readUint32(okm, 64),
  };
}

/** Checks the peer's proof: a registered, unrevoked key, a valid signature over the transcript, and the SIGMA MAC. */
export async function verifyProof(
  crypto: HandshakeCrypto,
  config: HandshakeConfig,
  proof: IdentityProof,
  signatureLabel: Uint8Array,
  transcript: Uint8Array,
  macKey: Uint8Array,
  what: string,
): Promise<void> {
  const entry = config.directory.resolve(proof.nodeId, proof.epoch);
  const signed = concatBytes(signatureLabel, transcript, proof.identityBlock);
  if (!(await crypto.verify(signed, proof.signature, entry.signingPublicKey))) throw new BadSignatureError(what);
  if (!verifyHmacSha512(macKey, concatBytes(transcript, proof.identityBlock), proof.mac)) {
    throw new AuthenticationFailedError(`${what} MAC`);
  }
}

export async function makeProof(
  crypto: HandshakeCrypto,
  identity: Identity,
  signatureLabel: Uint8Array,
  transcript: Uint8Array,
  macKey: Uint8Array,
): Promise<{ block: Uint8Array; payload: Uint8Array }> {
  const block = encodeIdentityBlock(identity.nodeId, identity.epoch);
  const signature = await crypto.sign(
    concatBytes(signatureLabel, transcript, block),
    identitySecrets(identity).signingSecretKey,
  );
  const mac = hmacSha512(macKey, concatBytes(transcript, block)).subarray(0, HANDSHAKE_MAC_LENGTH);
  return { block, payload: encodeIdentityProof(block, signature, mac) };
}

export function openPayload(sealed: Uint8Array, key: Uint8Array, structure: string): IdentityProof {
  const payload = nacl.secretbox.open(sealed, ZERO_NONCE, key);
  if (!payload) throw new AuthenticationFailedError(structure);
  return decodeIdentityProof(payload, structure);
}
