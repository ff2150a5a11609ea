/**
 * `@palisade/messaging/primitives`: the building blocks under the channels
 * and tokens (HKDF, HMAC, strict Ed25519 and X25519, the wire decoders, the
 * replay window, the handshake's public-key seam), for tests, tools and
 * protocols of your own. The root entry point is the everyday API.
 */

export { MAX_TOKEN_BLOCKS } from './capability-token.js';
export { hasCanonicalScalar, strictVerify } from './ed25519.js';
export {
  type HandshakeCrypto,
  nativeHandshakeCrypto,
  resolveHandshakeCrypto,
  tweetnaclCrypto,
} from './handshake-crypto.js';
export { decodeFinish, decodeHello, decodeResponse } from './handshake-messages.js';
export { hkdfExpand, hkdfExtract, hkdfSha512 } from './hkdf.js';
export { hmacSha512, verifyHmacSha512 } from './hmac.js';
export { secureRandomBytes } from './random-bytes.js';
export { ReplayWindow } from './replay-window.js';
export { SEALED_BOX_OVERHEAD } from './sealed-box.js';
export { MAX_EPOCH_SKIP, type SessionKeys } from './session.js';
export { FRAME_HEADER_LENGTH, FRAME_OVERHEAD, MessageType, peekMessageType, WIRE_VERSION } from './wire.js';
export { safeX25519 } from './x25519.js';
