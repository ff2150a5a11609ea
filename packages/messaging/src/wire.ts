import { MalformedMessageError, UnsupportedVersionError } from './errors.js';

/** The only wire version this build speaks; the first byte of every message. */
export const WIRE_VERSION = 1;

/** The second byte of every message. */
export const MessageType = Object.freeze({
  hello: 0x01,
  response: 0x02,
  finish: 0x03,
  data: 0x10,
  stream: 0x11,
  streamFinal: 0x12,
  keepalive: 0x13,
  sealedBox: 0x20,
  token: 0x30,
} as const);
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const knownTypes = new Set<number>(Object.values(MessageType));

export function isHandshakeType(type: number): boolean {
  return type === MessageType.hello || type === MessageType.response || type === MessageType.finish;
}

export function isFrameType(type: number): boolean {
  return type >= MessageType.data && type <= MessageType.keepalive;
}

/**
 * Checks the version byte and returns the type byte. Throws
 * `MalformedMessageError` for fewer than two bytes or an unknown type, and
 * `UnsupportedVersionError` for another version.
 */
export function peekMessageType(bytes: Uint8Array, structure = 'message'): MessageType {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError(structure, 'not-bytes');
  if (bytes.length < 2) throw new MalformedMessageError(structure, 'truncated', `${bytes.length} bytes`);
  const version = bytes[0] as number;
  if (version !== WIRE_VERSION) throw new UnsupportedVersionError(version);
  const type = bytes[1] as number;
  if (!knownTypes.has(type)) throw new MalformedMessageError(structure, 'unknown-type', `0x${type.toString(16)}`);
  return type as MessageType;
}

/** Session frame header: version, type, session id (u32), key epoch (u32), counter (u64). */
export const FRAME_HEADER_LENGTH = 18;
export const SECRETBOX_TAG_LENGTH = 16;
export const FRAME_OVERHEAD = FRAME_HEADER_LENGTH + SECRETBOX_TAG_LENGTH;

/** Domain tag in the first four bytes of every frame nonce: ASCII "plsf". */
export const FRAME_NONCE_TAG = Uint8Array.of(0x70, 0x6c, 0x73, 0x66);

/** Direction byte of the nonce: which side sealed the frame. */
export const Direction = Object.freeze({ initiatorToResponder: 0, responderToInitiator: 1 } as const);
export type Direction = (typeof Direction)[keyof typeof Direction];
