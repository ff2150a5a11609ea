export {
  type AttenuateTokenOptions,
  type AttenuationBlock,
  attenuateToken,
  type DecodedToken,
  decodeToken,
  type IssueTokenOptions,
  issueToken,
  type RootBlock,
  type TokenBlock,
  type VerifiedToken,
  type VerifyTokenOptions,
  verifyToken,
} from './capability-token.js';
export type {
  AcceptedFrameEvent,
  ChannelCloseEvent,
  ChannelFrameEvent,
  ChannelRejectEvent,
  ChannelStats,
  RehandshakeEvent,
  RejectedFrameEvent,
} from './channel-events.js';
export type { AcceptOptions, ChannelOptions, ConnectOptions } from './channel-options.js';
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
  type MessagingErrorCode,
  NativeCryptoUnavailableError,
  OutOfOrderError,
  PeerMismatchError,
  ReplayedMessageError,
  RightNotGrantedError,
  SendQueueFullError,
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
export type { FrameKind } from './frame-kind.js';
export type { CryptoChoice } from './handshake-crypto.js';
export { HandshakeInitiator, type InitiatorResult } from './handshake-initiator.js';
export type { HandshakeOptions, InitiatorOptions, ResponderOptions } from './handshake-options.js';
export type { HandshakeState } from './handshake-protocol.js';
export { HandshakeResponder } from './handshake-responder.js';
export { Identity, type IdentityOptions, type ImportIdentityOptions, type PublicIdentity } from './identity.js';
export {
  type DirectoryEntry,
  KeyDirectory,
  type KeyDirectoryOptions,
  type KeyRotationEvent,
  type KeyStatus,
  type RevocationEvent,
  type RevokeOptions,
  type RotateOptions,
} from './key-directory.js';
export { createMemoryLink, type LinkSide, type MemoryLinkOptions } from './memory-transport.js';
export type { RandomBytes } from './random-bytes.js';
export { anyCovers, type Right, rightCovers } from './rights.js';
export { openSealed, type SealedBoxOptions, sealTo } from './sealed-box.js';
export { accept, connect, SecureChannel } from './secure-channel.js';
export {
  type OpenedFrame,
  type PeerInfo,
  Session,
  type SessionMode,
  type SessionRejectEvent,
  type SessionStats,
} from './session.js';
export { defaultSessionLimits, type SessionLimits } from './session-limits.js';
export type { Transport } from './transport.js';
export { type WebSocketLike, webSocketTransport } from './websocket-transport.js';
