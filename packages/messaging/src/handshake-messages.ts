import { ByteReader, ByteWriter, concatBytes } from './bytes.js';
import { MalformedMessageError, UnexpectedMessageError } from './errors.js';
import type { SessionMode } from './session.js';
import { MessageType, peekMessageType, SECRETBOX_TAG_LENGTH, WIRE_VERSION } from './wire.js';

export const HELLO_LENGTH = 36;
export const RESPONSE_HEADER_LENGTH = 36;
export const FINISH_HEADER_LENGTH = 4;
export const SIGNATURE_LENGTH = 64;
export const HANDSHAKE_MAC_LENGTH = 32;
/** Smallest sealed payload: 1-byte id length, 1-byte id, epoch, signature, MAC, plus the secretbox tag. */
const MIN_SEALED_PAYLOAD = SECRETBOX_TAG_LENGTH + 1 + 1 + 4 + SIGNATURE_LENGTH + HANDSHAKE_MAC_LENGTH;
const MAX_SEALED_PAYLOAD = SECRETBOX_TAG_LENGTH + 1 + 255 + 4 + SIGNATURE_LENGTH + HANDSHAKE_MAC_LENGTH;

const modeBytes: Record<SessionMode, number> = { datagram: 0, stream: 1 };

export interface Hello {
  readonly mode: SessionMode;
  readonly ephemeralPublicKey: Uint8Array;
}

export interface Response {
  /** Version, type, two zero bytes and the ephemeral key: what the transcript hashes before sealing. */
  readonly header: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  readonly sealedPayload: Uint8Array;
}

export interface Finish {
  readonly sealedPayload: Uint8Array;
}

/** Inside RESPONSE and FINISH, after decryption. */
export interface IdentityProof {
  readonly nodeId: string;
  readonly epoch: number;
  /** The node id and epoch as encoded: what signatures and MACs cover. */
  readonly identityBlock: Uint8Array;
  readonly signature: Uint8Array;
  readonly mac: Uint8Array;
}

function expectType(bytes: Uint8Array, structure: string, expected: MessageType, state: string): void {
  const type = peekMessageType(bytes, structure);
  if (type !== expected) throw new UnexpectedMessageError(type, state);
}

function checkReserved(reader: ByteReader, count: number): void {
  for (let i = 0; i < count; i++) if (reader.u8() !== 0) reader.fail('reserved-bits');
}

export function encodeHello(hello: Hello): Uint8Array {
  return new ByteWriter()
    .u8(WIRE_VERSION)
    .u8(MessageType.hello)
    .u8(modeBytes[hello.mode])
    .u8(0)
    .bytes(hello.ephemeralPublicKey)
    .finish();
}

export function decodeHello(bytes: Uint8Array): Hello {
  expectType(bytes, 'hello', MessageType.hello, 'waiting for a HELLO');
  const reader = new ByteReader(bytes, 'hello');
  reader.u16();
  const modeByte = reader.u8();
  if (modeByte > 1) reader.fail('reserved-bits', `mode ${modeByte}`);
  checkReserved(reader, 1);
  const ephemeralPublicKey = reader.bytes(32);
  reader.end();
  return { mode: modeByte === 1 ? 'stream' : 'datagram', ephemeralPublicKey };
}

export function encodeResponseHeader(ephemeralPublicKey: Uint8Array): Uint8Array {
  return new ByteWriter().u8(WIRE_VERSION).u8(MessageType.response).u16(0).bytes(ephemeralPublicKey).finish();
}

export function decodeResponse(bytes: Uint8Array): Response {
  expectType(bytes, 'response', MessageType.response, 'waiting for a RESPONSE');
  const reader = new ByteReader(bytes, 'response');
  reader.u16();
  checkReserved(reader, 2);
  const ephemeralPublicKey = reader.bytes(32);
  const sealedPayload = checkSealedLength(reader, 'response');
  return { header: bytes.subarray(0, RESPONSE_HEADER_LENGTH), ephemeralPublicKey, sealedPayload };
}

export function encodeFinish(sealedPayload: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(WIRE_VERSION, MessageType.finish, 0, 0), sealedPayload);
}

export function decodeFinish(bytes: Uint8Array): Finish {
  expectType(bytes, 'finish', MessageType.finish, 'waiting for a FINISH');
  const reader = new ByteReader(bytes, 'finish');
  reader.u16();
  checkReserved(reader, 2);
  return { sealedPayload: checkSealedLength(reader, 'finish') };
}

function checkSealedLength(reader: ByteReader, structure: string): Uint8Array {
  const length = reader.remaining;
  if (length < MIN_SEALED_PAYLOAD || length > MAX_SEALED_PAYLOAD) {
    throw new MalformedMessageError(structure, 'bad-length', `sealed payload of ${length} bytes`);
  }
  return reader.rest();
}

export function encodeIdentityBlock(nodeId: string, epoch: number): Uint8Array {
  return new ByteWriter().shortString(nodeId).u32(epoch).finish();
}

export function encodeIdentityProof(identityBlock: Uint8Array, signature: Uint8Array, mac: Uint8Array): Uint8Array {
  return concatBytes(identityBlock, signature, mac);
}

/** Decodes a decrypted RESPONSE or FINISH payload. It authenticated, but the peer may still be hostile. */
export function decodeIdentityProof(payload: Uint8Array, structure: string): IdentityProof {
  const reader = new ByteReader(payload, structure);
  const nodeId = reader.shortString();
  const epoch = reader.u32();
  const blockLength = payload.length - reader.remaining;
  const signature = reader.bytes(SIGNATURE_LENGTH);
  const mac = reader.bytes(HANDSHAKE_MAC_LENGTH);
  reader.end();
  return { nodeId, epoch, identityBlock: payload.subarray(0, blockLength), signature, mac };
}
