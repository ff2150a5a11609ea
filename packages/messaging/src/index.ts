export {
  type AttenuateTokenOptions,
  type AttenuationBlock,
  attenuateToken,
  type DecodedToken,
  decodeToken,
  type IssueTokenOptions,
  issueToken,
  MAX_TOKEN_BLOCKS,
  type RootBlock,
  type TokenBlock,
  type VerifiedToken,
  type VerifyTokenOptions,
  verifyToken,
} from './capability-token.js';
export { hasCanonicalScalar, strictVerify } from './ed25519.js';
export {
  AttenuationWidensError,
  AuthenticationFailedError,
  BadSignatureError,
  KeyRetiredError,
  KeyRevokedError,
  LowOrderPointError,
  MalformedMessageError,
  type MalformedReason,
  MessagingError,
  NativeCryptoUnavailableError,
  OutOfOrderError,
  PeerMismatchError,
  ReplayedMessageError,
  RightNotGrantedError,
  SessionClosedError,
  SessionExpiredError,
  StaleEpochError,
  StreamTruncatedError,
  TokenAudienceError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenRevokedError,
  UnexpectedMessageError,
  UnknownPeerError,
  UnknownSessionError,
  UnsupportedVersionError,
} from './errors.js';
export {
  HandshakeInitiator,
  type HandshakeOptions,
  HandshakeResponder,
  type HandshakeState,
  type InitiatorOptions,
  type ResponderOptions,
} from './handshake.js';
export {
  type CryptoChoice,
  type HandshakeCrypto,
  nativeHandshakeCrypto,
  resolveHandshakeCrypto,
  tweetnaclCrypto,
} from './handshake-crypto.js';
export { decodeFinish, decodeHello, decodeResponse } from './handshake-messages.js';
export { hkdfExpand, hkdfExtract, hkdfSha512 } from './hkdf.js';
export { hmacSha512, verifyHmacSha512 } from './hmac.js';
export { Identity, type IdentityOptions, type PublicIdentity } from './identity.js';
export {
  type DirectoryEntry,
  KeyDirectory,
  type KeyDirectoryOptions,
  type KeyRotationEvent,
  type KeyStatus,
  type RevocationEvent,
} from './key-directory.js';
export { createMemoryLink, type LinkSide, type MemoryLinkOptions } from './memory-transport.js';
export { insecureDeterministicRandomBytes, type RandomBytes, secureRandomBytes } from './random-bytes.js';
export { ReplayWindow } from './replay-window.js';
export { anyCovers, type Right, rightCovers } from './rights.js';
export { openSealed, SEALED_BOX_OVERHEAD, type SealedBoxOptions, sealTo } from './sealed-box.js';
export {
  type AcceptOptions,
  accept,
  type ChannelOptions,
  type ChannelStats,
  type ConnectOptions,
  connect,
  type RehandshakeEvent,
  type RejectionEvent,
  SecureChannel,
} from './secure-channel.js';
export {
  MAX_EPOCH_SKIP,
  type OpenedFrame,
  type PeerInfo,
  Session,
  type SessionKeys,
  type SessionMode,
  type SessionStats,
} from './session.js';
export { defaultSessionLimits, type SessionLimits } from './session-limits.js';
export type { Transport } from './transport.js';
export { type WebSocketLike, webSocketTransport } from './websocket-transport.js';
export { FRAME_HEADER_LENGTH, FRAME_OVERHEAD, MessageType, peekMessageType, WIRE_VERSION } from './wire.js';
export { safeX25519 } from './x25519.js';
