import { PalisadeError } from '@palisade/core';

/** Every `code` this package's errors carry; a `switch (error.code)` over it is checked. */
export type MessagingErrorCode =
  | 'ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS'
  | 'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED'
  | 'ERR_PALISADE_MESSAGING_BAD_SIGNATURE'
  | 'ERR_PALISADE_MESSAGING_KEY_RETIRED'
  | 'ERR_PALISADE_MESSAGING_KEY_REVOKED'
  | 'ERR_PALISADE_MESSAGING_LINK_CONFLICT'
  | 'ERR_PALISADE_MESSAGING_LINK_FAILED'
  | 'ERR_PALISADE_MESSAGING_LINK_UNAVAILABLE'
  | 'ERR_PALISADE_MESSAGING_LOW_ORDER_POINT'
  | 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE'
  | 'ERR_PALISADE_MESSAGING_NATIVE_CRYPTO_UNAVAILABLE'
  | 'ERR_PALISADE_MESSAGING_OUT_OF_ORDER'
  | 'ERR_PALISADE_MESSAGING_PEER_MISMATCH'
  | 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE'
  | 'ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED'
  | 'ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL'
  | 'ERR_PALISADE_MESSAGING_SESSION_CLOSED'
  | 'ERR_PALISADE_MESSAGING_SESSION_EXPIRED'
  | 'ERR_PALISADE_MESSAGING_STALE_EPOCH'
  | 'ERR_PALISADE_MESSAGING_STREAM_GAP'
  | 'ERR_PALISADE_MESSAGING_STREAM_TRUNCATED'
  | 'ERR_PALISADE_MESSAGING_TOKEN_AUDIENCE'
  | 'ERR_PALISADE_MESSAGING_TOKEN_EXPIRED'
  | 'ERR_PALISADE_MESSAGING_TOKEN_NOT_YET_VALID'
  | 'ERR_PALISADE_MESSAGING_TOKEN_REVOKED'
  | 'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE'
  | 'ERR_PALISADE_MESSAGING_UNKNOWN_PEER'
  | 'ERR_PALISADE_MESSAGING_UNKNOWN_SESSION'
  | 'ERR_PALISADE_MESSAGING_UNSUPPORTED_VERSION';

/**
 * Base class of every rejection this package reports. A monitor that counts
 * attacks catches `MessagingError` and groups by `code`; the codes are stable.
 */
export class MessagingError extends PalisadeError {
  override readonly name: string = 'MessagingError';
  declare readonly code: MessagingErrorCode;

  constructor(code: MessagingErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Why a decoder refused its input. Stable, for monitors and tests. */
export type MalformedReason =
  | 'truncated'
  | 'trailing-bytes'
  | 'unknown-type'
  | 'wrong-type'
  | 'reserved-bits'
  | 'bad-length'
  | 'bad-utf8'
  | 'counter-out-of-range'
  | 'not-bytes'
  | 'text-frame';

/** Bytes that do not parse as the message they claim to be. Nothing was decrypted. */
export class MalformedMessageError extends MessagingError {
  override readonly name: string = 'MalformedMessageError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE';
  readonly reason: MalformedReason;
  /** Which structure was being decoded: `frame`, `hello`, `token`… */
  readonly structure: string;

  constructor(structure: string, reason: MalformedReason, detail?: string) {
    super(
      'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE',
      `Malformed ${structure} (${reason}${detail === undefined ? '' : `: ${detail}`}). The bytes were rejected before any decryption; check that both sides run the same wire version and that the transport delivers whole messages.`,
    );
    this.reason = reason;
    this.structure = structure;
  }
}

/** The first byte names a wire version this build does not speak. */
export class UnsupportedVersionError extends MessagingError {
  override readonly name: string = 'UnsupportedVersionError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_UNSUPPORTED_VERSION';
  readonly version: number;

  constructor(version: number) {
    super(
      'ERR_PALISADE_MESSAGING_UNSUPPORTED_VERSION',
      `Wire version ${version} is not supported (this build speaks version 1). Upgrade the older side.`,
    );
    this.version = version;
  }
}

/** A MAC or secretbox tag did not verify: the bytes were forged, corrupted, or sealed under another key. */
export class AuthenticationFailedError extends MessagingError {
  override readonly name: string = 'AuthenticationFailedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED';

  constructor(what: string) {
    super(
      'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      `Authentication of the ${what} failed: it was tampered with, corrupted, or sealed under another key. Nothing was released.`,
    );
  }
}

/** A session frame was already received, or is too old for the replay window. */
export class ReplayedMessageError extends MessagingError {
  override readonly name: string = 'ReplayedMessageError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE';
  readonly reason: 'duplicate' | 'behind-window';
  readonly counter: number;

  constructor(reason: 'duplicate' | 'behind-window', counter: number) {
    super(
      'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
      reason === 'duplicate'
        ? `Frame ${counter} was already received; duplicates are dropped.`
        : `Frame ${counter} is behind the replay window and can no longer be told apart from a replay; it was dropped.`,
    );
    this.reason = reason;
    this.counter = counter;
  }
}

/** A frame was sealed under a key epoch the receiver has ratcheted past or cannot reach. */
export class StaleEpochError extends MessagingError {
  override readonly name: string = 'StaleEpochError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_STALE_EPOCH';
  readonly epoch: number;
  readonly currentEpoch: number;

  constructor(epoch: number, currentEpoch: number) {
    super(
      'ERR_PALISADE_MESSAGING_STALE_EPOCH',
      `Frame sealed under key epoch ${epoch}, but the receiver is at epoch ${currentEpoch}: old keys are erased after a rekey, and epochs too far ahead are not trusted.`,
    );
    this.epoch = epoch;
    this.currentEpoch = currentEpoch;
  }
}

/** In ordered-stream mode, a frame arrived that is not the next one. */
export class OutOfOrderError extends MessagingError {
  override readonly name: string = 'OutOfOrderError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_OUT_OF_ORDER';
  readonly expected: number;
  readonly received: number;

  constructor(expected: number, received: number) {
    super(
      'ERR_PALISADE_MESSAGING_OUT_OF_ORDER',
      `Stream frame ${received} arrived where frame ${expected} was due. Ordered streams need an ordered transport; use datagram mode for lossy links.`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/** An ordered stream ended without its authenticated FINAL frame. */
export class StreamTruncatedError extends MessagingError {
  override readonly name: string = 'StreamTruncatedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_STREAM_TRUNCATED';
  readonly framesReceived: number;

  constructor(framesReceived: number) {
    super(
      'ERR_PALISADE_MESSAGING_STREAM_TRUNCATED',
      `The stream ended after ${framesReceived} frames without its FINAL frame: it was truncated. Discard what was received or ask for it again.`,
    );
    this.framesReceived = framesReceived;
  }
}

/** A frame names a session this receiver does not hold (never had, or already erased). */
export class UnknownSessionError extends MessagingError {
  override readonly name: string = 'UnknownSessionError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_UNKNOWN_SESSION';
  readonly sessionId: number;

  constructor(sessionId: number) {
    super(
      'ERR_PALISADE_MESSAGING_UNKNOWN_SESSION',
      `No live session has id 0x${sessionId.toString(16).padStart(8, '0')}; its keys were erased or never existed.`,
    );
    this.sessionId = sessionId;
  }
}

/** The session reached a hard limit (time or messages) and must be replaced by a new handshake. */
export class SessionExpiredError extends MessagingError {
  override readonly name: string = 'SessionExpiredError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_SESSION_EXPIRED';
  readonly reason: 'time' | 'messages';

  constructor(reason: 'time' | 'messages') {
    super(
      'ERR_PALISADE_MESSAGING_SESSION_EXPIRED',
      `The session passed its ${reason === 'time' ? 'rejectAfter' : 'rejectAfterMessages'} limit and refuses to send or receive. Open a new session (a channel re-handshakes on its own).`,
    );
    this.reason = reason;
  }
}

/** The session or channel was closed (locally, by revocation, or by an ended stream). */
export class SessionClosedError extends MessagingError {
  override readonly name: string = 'SessionClosedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_SESSION_CLOSED';
  readonly reason: string;

  constructor(reason: string) {
    super('ERR_PALISADE_MESSAGING_SESSION_CLOSED', `The session is closed (${reason}); its keys are erased.`);
    this.reason = reason;
  }
}

/** A message type arrived that the receiver's state does not expect (a reflected or out-of-place message). */
export class UnexpectedMessageError extends MessagingError {
  override readonly name: string = 'UnexpectedMessageError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE';
  readonly messageType: number;
  readonly state: string;

  constructor(messageType: number, state: string) {
    super(
      'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
      `Message type 0x${messageType.toString(16).padStart(2, '0')} is not expected while ${state}; it may have been reflected or replayed, and was dropped.`,
    );
    this.messageType = messageType;
    this.state = state;
  }
}

/** X25519 gave the all-zero output: the peer's public key is a low-order point. */
export class LowOrderPointError extends MessagingError {
  override readonly name: string = 'LowOrderPointError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_LOW_ORDER_POINT';

  constructor() {
    super(
      'ERR_PALISADE_MESSAGING_LOW_ORDER_POINT',
      'The peer sent an X25519 public key of low order, which makes the shared secret predictable (all zero). The handshake was aborted.',
    );
  }
}

/** An Ed25519 signature did not verify (or was malleable: S ≥ L). */
export class BadSignatureError extends MessagingError {
  override readonly name: string = 'BadSignatureError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_BAD_SIGNATURE';

  constructor(what: string) {
    super(
      'ERR_PALISADE_MESSAGING_BAD_SIGNATURE',
      `The signature on the ${what} does not verify under the signer's registered key (or is malleable). It was rejected.`,
    );
  }
}

/** The directory has no key for this node id and epoch. */
export class UnknownPeerError extends MessagingError {
  override readonly name: string = 'UnknownPeerError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_UNKNOWN_PEER';
  readonly nodeId: string;
  readonly epoch: number | undefined;

  constructor(nodeId: string, epoch?: number) {
    super(
      'ERR_PALISADE_MESSAGING_UNKNOWN_PEER',
      `The key directory has no key for node ${JSON.stringify(nodeId)}${epoch === undefined ? '' : ` at epoch ${epoch}`}. Register it before talking to it.`,
    );
    this.nodeId = nodeId;
    this.epoch = epoch;
  }
}

/** The key was revoked in the directory: no new session or token may rest on it. */
export class KeyRevokedError extends MessagingError {
  override readonly name: string = 'KeyRevokedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_KEY_REVOKED';
  readonly nodeId: string;
  readonly epoch: number;

  constructor(nodeId: string, epoch: number) {
    super(
      'ERR_PALISADE_MESSAGING_KEY_REVOKED',
      `The key of node ${JSON.stringify(nodeId)} at epoch ${epoch} was revoked. The node needs a new key registered before it can be trusted again.`,
    );
    this.nodeId = nodeId;
    this.epoch = epoch;
  }
}

/** The key was rotated out and its grace period is over. */
export class KeyRetiredError extends MessagingError {
  override readonly name: string = 'KeyRetiredError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_KEY_RETIRED';
  readonly nodeId: string;
  readonly epoch: number;

  constructor(nodeId: string, epoch: number) {
    super(
      'ERR_PALISADE_MESSAGING_KEY_RETIRED',
      `The key of node ${JSON.stringify(nodeId)} at epoch ${epoch} was rotated out and its grace period is over. The node must use its current key.`,
    );
    this.nodeId = nodeId;
    this.epoch = epoch;
  }
}

/** The authenticated peer is not the one this side asked for (or is this node itself). */
export class PeerMismatchError extends MessagingError {
  override readonly name: string = 'PeerMismatchError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_PEER_MISMATCH';
  readonly expected: string;
  readonly received: string;

  constructor(expected: string, received: string) {
    super(
      'ERR_PALISADE_MESSAGING_PEER_MISMATCH',
      `Expected to talk to ${JSON.stringify(expected)}, but the peer authenticated as ${JSON.stringify(received)}. The handshake was aborted.`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/** The token's expiry (plus tolerated skew) has passed. */
export class TokenExpiredError extends MessagingError {
  override readonly name: string = 'TokenExpiredError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_TOKEN_EXPIRED';
  readonly expiresAt: number;

  constructor(expiresAt: number, now: number) {
    super(
      'ERR_PALISADE_MESSAGING_TOKEN_EXPIRED',
      `The token expired at ${expiresAt} (now ${now}, after the tolerated clock skew). Ask the issuer for a new one.`,
    );
    this.expiresAt = expiresAt;
  }
}

/** The token's not-before time (minus tolerated skew) is still in the future. */
export class TokenNotYetValidError extends MessagingError {
  override readonly name: string = 'TokenNotYetValidError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_TOKEN_NOT_YET_VALID';
  readonly notBefore: number;

  constructor(notBefore: number, now: number) {
    super(
      'ERR_PALISADE_MESSAGING_TOKEN_NOT_YET_VALID',
      `The token is valid from ${notBefore} (now ${now}, after the tolerated clock skew). Check the clocks of issuer and verifier.`,
    );
    this.notBefore = notBefore;
  }
}

/** The token was issued for another verifier. */
export class TokenAudienceError extends MessagingError {
  override readonly name: string = 'TokenAudienceError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_TOKEN_AUDIENCE';
  readonly audience: string;
  readonly verifier: string;

  constructor(audience: string, verifier: string) {
    super(
      'ERR_PALISADE_MESSAGING_TOKEN_AUDIENCE',
      `The token is for ${JSON.stringify(audience)}, not for ${JSON.stringify(verifier)}. Tokens are not transferable between services.`,
    );
    this.audience = audience;
    this.verifier = verifier;
  }
}

/** A block of the token's chain carries a revoked revocation id. */
export class TokenRevokedError extends MessagingError {
  override readonly name: string = 'TokenRevokedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_TOKEN_REVOKED';
  readonly revocationId: string;

  constructor(revocationId: string) {
    super('ERR_PALISADE_MESSAGING_TOKEN_REVOKED', `The token (revocation id ${revocationId}) was revoked.`);
    this.revocationId = revocationId;
  }
}

/** The token is valid but does not grant the requested right. */
export class RightNotGrantedError extends MessagingError {
  override readonly name: string = 'RightNotGrantedError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED';
  readonly right: string;

  constructor(right: string) {
    super(
      'ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED',
      `The token does not grant ${JSON.stringify(right)}: every block of its chain must allow it.`,
    );
    this.right = right;
  }
}

/** `attenuateToken` was asked to grant a right its parent does not hold, or to extend the expiry. */
export class AttenuationWidensError extends MessagingError {
  override readonly name: string = 'AttenuationWidensError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS';

  constructor(detail: string) {
    super(
      'ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS',
      `Attenuation can only narrow a token: ${detail}. Ask the issuer for a wider token instead.`,
    );
  }
}

/** `crypto: 'native'` was asked for, but the platform's WebCrypto lacks Ed25519 or X25519. */
export class NativeCryptoUnavailableError extends MessagingError {
  override readonly name: string = 'NativeCryptoUnavailableError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_NATIVE_CRYPTO_UNAVAILABLE';

  constructor() {
    super(
      'ERR_PALISADE_MESSAGING_NATIVE_CRYPTO_UNAVAILABLE',
      'crypto: "native" needs WebCrypto Ed25519 and X25519 (Node 22, recent browsers). Use crypto: "auto" to fall back to tweetnacl.',
    );
  }
}

/**
 * `send` or `end` was called before the handshake completed while
 * `maxQueuedSends` messages were already waiting for it.
 */
export class SendQueueFullError extends MessagingError {
  override readonly name: string = 'SendQueueFullError';
  declare readonly code: 'ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL';
  /** The `maxQueuedSends` that was reached. */
  readonly limit: number;

  constructor(limit: number) {
    super(
      'ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL',
      `${limit} messages already wait for the handshake to complete (maxQueuedSends). Await channel.ready before sending more, or raise maxQueuedSends.`,
    );
    this.limit = limit;
  }
}
