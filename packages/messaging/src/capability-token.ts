import { type Clock, InvalidArgumentError, InvalidOptionError, realClock } from '@palisade/core';
import { durationOption, numberOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { ByteReader, ByteWriter, bytesEqual, concatBytes, toHex, utf8 } from './bytes.js';
import { sign, strictVerify } from './ed25519.js';
import {
  AttenuationWidensError,
  BadSignatureError,
  RightNotGrantedError,
  TokenAudienceError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenRevokedError,
} from './errors.js';
import { checkNodeId, type Identity, identitySecrets, isIdentity } from './identity.js';
import type { KeyDirectory } from './key-directory.js';
import { nacl } from './nacl.js';
import { type RandomBytes, randomBytesOption, secureRandomBytes } from './random-bytes.js';
import { anyCoversChecked, checkRight, checkRights, MAX_RIGHTS, type Right } from './rights.js';
import { MessageType, peekMessageType, WIRE_VERSION } from './wire.js';

export const MAX_TOKEN_BLOCKS = 16;
const MAX_BLOCK_BODY = 4096;
const BLOCK_LABEL = utf8('palisade/v1 token block\0');
const MAX_TIME = 2 ** 53 - 1;

/** The issuer's block: who granted what to whom, until when. */
export interface RootBlock {
  readonly kind: 'root';
  readonly issuer: string;
  readonly issuerEpoch: number;
  /** The verifier (service) the token is for. */
  readonly audience: string;
  /** Hex, 16 random bytes: makes every token unique. */
  readonly nonce: string;
  /** Hex, 16 bytes: `directory.revokeToken(id)` refuses this token and everything attenuated from it. */
  readonly revocationId: string;
  readonly notBefore: number;
  readonly expiresAt: number;
  readonly rights: readonly Right[];
}

/** A holder's narrowing block. */
export interface AttenuationBlock {
  readonly kind: 'attenuation';
  readonly nonce: string;
  /** Hex: derived from the block's signature, so each attenuated copy can be revoked on its own. */
  readonly revocationId: string;
  readonly expiresAt: number;
  readonly rights: readonly Right[];
}

export type TokenBlock = RootBlock | AttenuationBlock;

/** A token's parsed contents. Nothing in it is verified: use `verifyToken`. */
export interface DecodedToken {
  readonly root: RootBlock;
  readonly blocks: readonly TokenBlock[];
}

interface RawBlock {
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
  readonly block: TokenBlock;
  readonly nextPublicKey: Uint8Array;
}

interface RawToken {
  readonly blocks: readonly RawBlock[];
  readonly proofSeed: Uint8Array;
}

export interface IssueTokenOptions {
  /** The verifier the token is for (its node id). */
  readonly audience: string;
  /** What the token allows: `action:resource` patterns. */
  readonly rights: readonly Right[];
  /** Lifetime from now, in ms. @default 3_600_000 (one hour) */
  readonly ttl?: number;
  /** Not valid before this clock time. @default now */
  readonly notBefore?: number;
  /** 16 bytes to revoke by; several tokens may share one. @default 16 random bytes */
  readonly revocationId?: Uint8Array;
  /** @default realClock */
  readonly clock?: Clock;
  /** INSECURE, for tests and golden vectors only. @default tweetnacl's CSPRNG */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

export interface AttenuateTokenOptions {
  /** The narrower rights; each must be covered by the token's current rights. @default unchanged */
  readonly rights?: readonly Right[];
  /** A shorter lifetime from now, in ms; never extends the token. @default unchanged */
  readonly ttl?: number;
  /** @default realClock */
  readonly clock?: Clock;
  /** INSECURE, for tests and golden vectors only. @default tweetnacl's CSPRNG */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

export interface VerifyTokenOptions {
  /** Where the issuer's key is looked up, and token revocations. */
  readonly directory: KeyDirectory;
  /** This verifier's node id; the token's audience must equal it. */
  readonly audience: string;
  /** The right the request needs; omitted, only validity is checked. */
  readonly right?: Right;
  /** Tolerated difference between the issuer's and the verifier's clocks, in ms. @default 30_000 */
  readonly clockSkew?: number;
  /** @default realClock */
  readonly clock?: Clock;
}

const ISSUE_OPTION_KEYS = [
  'audience',
  'rights',
  'ttl',
  'notBefore',
  'revocationId',
  'clock',
  'insecureRandomBytesForTests',
] as const satisfies readonly (keyof IssueTokenOptions)[];
const ATTENUATE_OPTION_KEYS = [
  'rights',
  'ttl',
  'clock',
  'insecureRandomBytesForTests',
] as const satisfies readonly (keyof AttenuateTokenOptions)[];
const VERIFY_OPTION_KEYS = [
  'directory',
  'audience',
  'right',
  'clockSkew',
  'clock',
] as const satisfies readonly (keyof VerifyTokenOptions)[];

/** What a verified token says. */
export interface VerifiedToken {
  readonly issuer: string;
  readonly issuerEpoch: number;
  readonly audience: string;
  /** The earliest expiry along the chain. */
  readonly expiresAt: number;
  /**
   * What the chain grants: the last block's rights that every earlier block
   * covers. A request is allowed exactly when one of these covers it.
   */
  readonly rights: readonly Right[];
  /** Number of attenuations after the root. */
  readonly attenuations: number;
  readonly revocationIds: readonly string[];
}

function encodeRights(writer: ByteWriter, rights: readonly Right[]): void {
  writer.u8(rights.length);
  for (const right of rights) writer.shortString(right);
}

function readRights(reader: ByteReader): Right[] {
  const count = reader.u8();
  if (count === 0 || count > MAX_RIGHTS) reader.fail('bad-length', `${count} rights`);
  const rights: Right[] = [];
  for (let i = 0; i < count; i++) {
    const right = reader.shortString();
    try {
      checkRight('right', right);
    } catch {
      reader.fail('bad-length', 'not a right');
    }
    rights.push(right);
  }
  return rights;
}

function signedMessage(previousSignature: Uint8Array | undefined, body: Uint8Array): Uint8Array {
  return concatBytes(BLOCK_LABEL, previousSignature ?? new Uint8Array(0), body);
}

function attenuationRevocationId(signature: Uint8Array): string {
  return toHex(nacl.hash(signature).subarray(0, 16));
}

function encodeToken(raw: RawToken): Uint8Array {
  const writer = new ByteWriter().u8(WIRE_VERSION).u8(MessageType.token).u8(raw.blocks.length);
  for (const block of raw.blocks) writer.u16(block.body.length).bytes(block.body).bytes(block.signature);
  return writer.bytes(raw.proofSeed).finish();
}

function decodeRawToken(bytes: Uint8Array): RawToken {
  const type = peekMessageType(bytes, 'token');
  const reader = new ByteReader(bytes, 'token');
  if (type !== MessageType.token) reader.fail('wrong-type', `0x${type.toString(16)}`);
  reader.u16();
  const count = reader.u8();
  if (count === 0 || count > MAX_TOKEN_BLOCKS) reader.fail('bad-length', `${count} blocks`);
  const blocks: RawBlock[] = [];
  for (let i = 0; i < count; i++) {
    const bodyLength = reader.u16();
    if (bodyLength > MAX_BLOCK_BODY) reader.fail('bad-length', `block of ${bodyLength} bytes`);
    const body = reader.bytes(bodyLength);
    const signature = reader.bytes(64);
    const parsed = decodeBlockBody(body, i === 0, signature);
    blocks.push({ body, signature, ...parsed });
  }
  const proofSeed = reader.bytes(32);
  reader.end();
  return { blocks, proofSeed };
}

function decodeBlockBody(
  body: Uint8Array,
  isRoot: boolean,
  signature: Uint8Array,
): { block: TokenBlock; nextPublicKey: Uint8Array } {
  const reader = new ByteReader(body, 'token block');
  const kind = reader.u8();
  if (kind !== (isRoot ? 0 : 1)) reader.fail('wrong-type', `block kind ${kind}`);
  let block: TokenBlock;
  if (isRoot) {
    const issuer = reader.shortString();
    const issuerEpoch = reader.u32();
    const audience = reader.shortString();
    const nonce = toHex(reader.bytes(16));
    const revocationId = toHex(reader.bytes(16));
    const notBefore = reader.u64();
    const expiresAt = reader.u64();
    const rights = readRights(reader);
    block = { kind: 'root', issuer, issuerEpoch, audience, nonce, revocationId, notBefore, expiresAt, rights };
  } else {
    const nonce = toHex(reader.bytes(16));
    const expiresAt = reader.u64();
    const rights = readRights(reader);
    block = { kind: 'attenuation', nonce, revocationId: attenuationRevocationId(signature), expiresAt, rights };
  }
  const nextPublicKey = reader.bytes(32);
  reader.end();
  return { block, nextPublicKey };
}

/** Parses a token without verifying it (for display and debugging). Throws `MalformedMessageError`. */
export function decodeToken(bytes: Uint8Array): DecodedToken {
  const raw = decodeRawToken(bytes);
  return { root: raw.blocks[0]?.block as RootBlock, blocks: raw.blocks.map((b) => b.block) };
}

/**
 * Issues a capability token signed by `issuer`. Like a biscuit, the root
 * block names the public half of a fresh key pair whose secret half travels
 * in the token, so any holder can append a narrower block offline.
 */
export function issueToken(issuer: Identity, options: IssueTokenOptions): Uint8Array {
  if (!isIdentity(issuer)) throw new InvalidArgumentError('issuer', 'an Identity made by Identity.generate', issuer);
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ISSUE_OPTION_KEYS);
  const clock = given.clock ?? realClock;
  const audience = checkNodeId('audience', given.audience, 'option');
  const rights = checkRights('rights', given.rights, 'option');
  const ttl = durationOption('ttl', given.ttl ?? 3_600_000, { min: 1 });
  const random = randomBytesOption(given.insecureRandomBytesForTests ?? secureRandomBytes);
  const now = clock.now();
  const notBefore = Math.max(
    0,
    Math.floor(numberOption('notBefore', given.notBefore ?? now, { min: 0, max: MAX_TIME })),
  );
  const expiresAt = Math.min(MAX_TIME, Math.floor(now + ttl));
  const revocationId = given.revocationId ?? random(16);
  if (!(revocationId instanceof Uint8Array) || revocationId.length !== 16) {
    throw new InvalidOptionError('revocationId', '16 bytes', revocationId);
  }
  const next = nacl.sign.keyPair.fromSeed(random(32));
  const writer = new ByteWriter()
    .u8(0)
    .shortString(issuer.nodeId)
    .u32(issuer.epoch)
    .shortString(audience)
    .bytes(random(16))
    .bytes(revocationId)
    .u64(notBefore)
    .u64(expiresAt);
  encodeRights(writer, rights);
  const body = writer.bytes(next.publicKey).finish();
  const signature = sign(signedMessage(undefined, body), identitySecrets(issuer).signingSecretKey);
  const block = decodeBlockBody(body, true, signature);
  return encodeToken({ blocks: [{ body, signature, ...block }], proofSeed: next.secretKey.slice(0, 32) });
}

/**
 * Appends a narrower block, offline, with the key the token carries. Throws
 * `AttenuationWidensError` if a right is not covered by what the chain
 * grants. Verification filters every block anyway, so a hand-made widening
 * block grants nothing for the rights it widens, never more.
 */
export function attenuateToken(token: Uint8Array, options?: AttenuateTokenOptions): Uint8Array {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, ATTENUATE_OPTION_KEYS);
  const raw = decodeRawToken(token);
  if (raw.blocks.length >= MAX_TOKEN_BLOCKS) {
    throw new InvalidArgumentError('token', `a token with fewer than ${MAX_TOKEN_BLOCKS} blocks`, raw.blocks.length);
  }
  const last = raw.blocks[raw.blocks.length - 1] as RawBlock;
  const current = chainRights(raw);
  if (current.length === 0) {
    throw new InvalidArgumentError('token', 'a token whose chain grants at least one right', current);
  }
  const rights = given.rights === undefined ? current : checkRights('rights', given.rights, 'option');
  for (const right of rights) {
    if (!anyCoversChecked(current, right)) {
      throw new AttenuationWidensError(`${JSON.stringify(right)} is not within ${JSON.stringify(current)}`);
    }
  }
  const chainExpiry = Math.min(...raw.blocks.map((b) => b.block.expiresAt));
  let expiresAt = chainExpiry;
  if (given.ttl !== undefined) {
    const clock = given.clock ?? realClock;
    const wanted = Math.floor(clock.now() + durationOption('ttl', given.ttl, { min: 1 }));
    if (wanted > chainExpiry) throw new AttenuationWidensError(`the token already expires at ${chainExpiry}`);
    expiresAt = wanted;
  }
  const random = randomBytesOption(given.insecureRandomBytesForTests ?? secureRandomBytes);
  const next = nacl.sign.keyPair.fromSeed(random(32));
  const writer = new ByteWriter().u8(1).bytes(random(16)).u64(expiresAt);
  encodeRights(writer, rights);
  const body = writer.bytes(next.publicKey).finish();
  const holderKey = nacl.sign.keyPair.fromSeed(raw.proofSeed);
  if (!bytesEqual(holderKey.publicKey, last.nextPublicKey)) throw new BadSignatureError('token proof');
  const signature = sign(signedMessage(last.signature, body), holderKey.secretKey);
  holderKey.secretKey.fill(0);
  const block = decodeBlockBody(body, false, signature);
  return encodeToken({
    blocks: [...raw.blocks, { body, signature, ...block }],
    proofSeed: next.secretKey.slice(0, 32),
  });
}

/**
 * What the whole chain grants: the last block's rights that every earlier
 * block covers. Any holder can sign a block with the key the token carries,
 * so a block's own list is a claim, never a grant; `attenuateToken` writes
 * only covered rights, and for its tokens this is exactly the last block.
 */
function chainRights(raw: RawToken): readonly Right[] {
  const last = raw.blocks[raw.blocks.length - 1] as RawBlock;
  return last.block.rights.filter((right) => raw.blocks.every((b) => anyCoversChecked(b.block.rights, right)));
}

/**
 * Verifies a token: the issuer's key in the directory (not revoked or
 * retired), every signature of the chain (strict Ed25519), the proof key,
 * the audience, the time window with tolerated skew, revocation of every
 * block, and, if asked, that the chain grants `right` (every block covers
 * it). Throws a typed
 * `MessagingError` naming the first check that failed.
 */
export function verifyToken(token: Uint8Array, options: VerifyTokenOptions): VerifiedToken {
  const given = optionsObject('options', options);
  rejectUnknownOptions(given, VERIFY_OPTION_KEYS);
  if (typeof given.directory?.resolve !== 'function' || typeof given.directory.isTokenRevoked !== 'function') {
    throw new InvalidOptionError('directory', 'a KeyDirectory', given.directory);
  }
  const audience = checkNodeId('audience', given.audience, 'option');
  const right = given.right === undefined ? undefined : checkRight('right', given.right, 'option');
  const skew = durationOption('clockSkew', given.clockSkew ?? 30_000);
  const clock = given.clock ?? realClock;

  const raw = decodeRawToken(token);
  const root = (raw.blocks[0] as RawBlock).block as RootBlock;
  const issuerKey = given.directory.resolve(root.issuer, root.issuerEpoch).signingPublicKey;
  let signerKey = issuerKey;
  let previousSignature: Uint8Array | undefined;
  for (const [index, block] of raw.blocks.entries()) {
    if (!strictVerify(signedMessage(previousSignature, block.body), block.signature, signerKey)) {
      throw new BadSignatureError(index === 0 ? 'token' : `token block ${index}`);
    }
    signerKey = block.nextPublicKey;
    previousSignature = block.signature;
  }
  if (!bytesEqual(nacl.sign.keyPair.fromSeed(raw.proofSeed).publicKey, signerKey)) {
    throw new BadSignatureError('token proof');
  }
  if (root.audience !== audience) throw new TokenAudienceError(root.audience, audience);
  const now = clock.now();
  const expiresAt = Math.min(...raw.blocks.map((b) => b.block.expiresAt));
  if (now - skew > expiresAt) throw new TokenExpiredError(expiresAt, now);
  if (now + skew < root.notBefore) throw new TokenNotYetValidError(root.notBefore, now);
  const revocationIds = raw.blocks.map((b) => b.block.revocationId);
  for (const id of revocationIds) if (given.directory.isTokenRevoked(id)) throw new TokenRevokedError(id);
  const rights = chainRights(raw);
  // The same list that `rights` reports decides the request, so an app that
  // authorises from `rights` and one that passes `right` always agree.
  if (right !== undefined && !anyCoversChecked(rights, right)) throw new RightNotGrantedError(right);
  return {
    issuer: root.issuer,
    issuerEpoch: root.issuerEpoch,
    audience: root.audience,
    expiresAt,
    rights,
    attenuations: raw.blocks.length - 1,
    revocationIds,
  };
}
