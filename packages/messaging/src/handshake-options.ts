import { type Clock, InvalidOptionError, realClock } from '@palisade/core';
import { oneOfOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { type CryptoChoice, cryptoChoiceOption } from './handshake-crypto.js';
import { checkNodeId, type Identity, isIdentity } from './identity.js';
import type { KeyDirectory } from './key-directory.js';
import { type RandomBytes, randomBytesOption, secureRandomBytes } from './random-bytes.js';
import type { PeerInfo, SessionMode } from './session.js';
import { type ResolvedSessionLimits, resolveSessionLimits, type SessionLimits } from './session-limits.js';

/** Options shared by both sides of a handshake. */
export interface HandshakeOptions {
  /** This node's long-term keys. */
  readonly identity: Identity;
  /** Where the peer's public keys are looked up; revoked or retired keys are refused. */
  readonly directory: KeyDirectory;
  /** Time source of the session's rekey and expiry limits. @default realClock */
  readonly clock?: Clock;
  /**
   * Bound into the transcript (like a Noise prologue): both sides must use the
   * same value, so sessions of one deployment or protocol cannot be spliced
   * into another. @default ''
   */
  readonly context?: string;
  /** Session limits (rekey, rehandshake, reject, replay window). @default defaultSessionLimits */
  readonly limits?: SessionLimits;
  /** Implementation of the public-key operations; the wire bytes are identical. @default 'auto' */
  readonly crypto?: CryptoChoice;
  /** INSECURE, for tests and golden vectors only: source of the ephemeral keys. @default tweetnacl's CSPRNG */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

export interface InitiatorOptions extends HandshakeOptions {
  /** The node id this side wants to reach. Any other authenticated peer is refused. */
  readonly peer: string;
  /** Datagram (reordering tolerated) or ordered stream with FINAL. The responder follows. @default 'datagram' */
  readonly mode?: SessionMode;
}

export interface ResponderOptions extends HandshakeOptions {
  /** Decides whether an authenticated initiator may open a session. @default every registered node but this one */
  readonly authorize?: (peer: PeerInfo) => boolean;
}

const HANDSHAKE_OPTION_KEYS = [
  'identity',
  'directory',
  'clock',
  'context',
  'limits',
  'crypto',
  'insecureRandomBytesForTests',
] as const satisfies readonly (keyof HandshakeOptions)[];
export const INITIATOR_OPTION_KEYS: readonly string[] = [
  ...HANDSHAKE_OPTION_KEYS,
  'peer',
  'mode',
] satisfies readonly (keyof InitiatorOptions)[];
export const RESPONDER_OPTION_KEYS: readonly string[] = [
  ...HANDSHAKE_OPTION_KEYS,
  'authorize',
] satisfies readonly (keyof ResponderOptions)[];

/** Handshake options, checked, with their defaults filled in. */
export interface HandshakeConfig {
  readonly identity: Identity;
  readonly directory: KeyDirectory;
  readonly clock: Clock;
  readonly context: string;
  readonly limits: ResolvedSessionLimits;
  readonly crypto: CryptoChoice;
  readonly randomBytes: RandomBytes;
}

export interface InitiatorConfig extends HandshakeConfig {
  readonly peer: string;
  readonly mode: SessionMode;
}

export interface ResponderConfig extends HandshakeConfig {
  readonly authorize: (peer: PeerInfo) => boolean;
}

/**
 * Checks an initiator's options at the call site. `alsoKnown` names the keys
 * a caller that wraps the handshake (a channel) adds and checks itself.
 */
export function resolveInitiatorConfig(options: InitiatorOptions, alsoKnown: readonly string[] = []): InitiatorConfig {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, [...INITIATOR_OPTION_KEYS, ...alsoKnown]);
  const config = resolveHandshakeConfig(given);
  const peer = checkNodeId('peer', given.peer, 'option');
  if (peer === config.identity.nodeId) throw new InvalidOptionError('peer', 'another node than this one', peer);
  const mode = oneOfOption('mode', given.mode ?? 'datagram', ['datagram', 'stream'] as const);
  return { ...config, peer, mode };
}

/** Checks a responder's options at the call site; `alsoKnown` as for the initiator. */
export function resolveResponderConfig(options: ResponderOptions, alsoKnown: readonly string[] = []): ResponderConfig {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, [...RESPONDER_OPTION_KEYS, ...alsoKnown]);
  const config = resolveHandshakeConfig(given);
  const own = config.identity.nodeId;
  const authorize = given.authorize ?? ((peer: PeerInfo) => peer.nodeId !== own);
  if (typeof authorize !== 'function') throw new InvalidOptionError('authorize', 'a function', given.authorize);
  return { ...config, authorize };
}

function resolveHandshakeConfig(given: HandshakeOptions): HandshakeConfig {
  if (!isIdentity(given.identity)) {
    throw new InvalidOptionError('identity', 'an Identity made by Identity.generate', given.identity);
  }
  if (!isKeyDirectory(given.directory)) throw new InvalidOptionError('directory', 'a KeyDirectory', given.directory);
  if (given.context !== undefined && typeof given.context !== 'string') {
    throw new InvalidOptionError('context', 'a string', given.context);
  }
  return {
    identity: given.identity,
    directory: given.directory,
    clock: given.clock ?? realClock,
    context: given.context ?? '',
    limits: resolveSessionLimits(given.limits),
    crypto: cryptoChoiceOption(given.crypto),
    randomBytes: randomBytesOption(given.insecureRandomBytesForTests ?? secureRandomBytes),
  };
}

/** By shape, so a directory from a second copy of this package in the dependency tree still fits. */
function isKeyDirectory(value: unknown): value is KeyDirectory {
  const candidate = value as Partial<KeyDirectory> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.resolve === 'function' &&
    typeof candidate.onRevoke === 'function'
  );
}
