import { InvalidArgumentError } from '@palisade/core';
import { integerOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';
import { utf8 } from './bytes.js';
import { type InputKind, invalidInput } from './invalid-input.js';
import { nacl } from './nacl.js';
import { type RandomBytes, randomBytesOption, secureRandomBytes } from './random-bytes.js';

/** What a node publishes: its id, key epoch and public keys. Goes into a `KeyDirectory`. */
export interface PublicIdentity {
  readonly nodeId: string;
  /** Increases by one with every key rotation. */
  readonly epoch: number;
  /** Ed25519: signs handshakes and tokens. */
  readonly signingPublicKey: Uint8Array;
  /** X25519: receives sealed boxes. */
  readonly agreementPublicKey: Uint8Array;
}

export interface IdentityOptions {
  /** Key epoch of the new keys. @default 1 */
  readonly epoch?: number;
  /**
   * INSECURE, for tests and golden vectors only: where the key seeds come
   * from. See `insecureDeterministicRandomBytes`. @default tweetnacl's CSPRNG
   */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

const IDENTITY_OPTION_KEYS = [
  'epoch',
  'insecureRandomBytesForTests',
] as const satisfies readonly (keyof IdentityOptions)[];

export interface ImportIdentityOptions {
  /** Key epoch of the imported keys: the epoch they were registered under. @default 1 */
  readonly epoch?: number;
}

const IMPORT_OPTION_KEYS = ['epoch'] as const satisfies readonly (keyof ImportIdentityOptions)[];

/** `exportSecretKeys()`'s length: the Ed25519 seed, then the X25519 secret key. */
export const SECRET_KEYS_LENGTH = 64;

interface IdentitySecrets {
  readonly signingSecretKey: Uint8Array;
  readonly agreementSecretKey: Uint8Array;
}

const secrets = new WeakMap<Identity, IdentitySecrets>();

/** The secret halves, for this package's own modules only (not exported from the barrel). */
/** True for an `Identity` made by `Identity.generate` or `rotate` (the only ones with secrets). */
export function isIdentity(value: unknown): value is Identity {
  return typeof value === 'object' && value !== null && secrets.has(value as Identity);
}

export function identitySecrets(identity: Identity): IdentitySecrets {
  const found = secrets.get(identity);
  if (found === undefined)
    throw new InvalidArgumentError('identity', 'an Identity made by Identity.generate', identity);
  return found;
}

export const MAX_NODE_ID_BYTES = 255;

export function checkNodeId(name: string, nodeId: unknown, kind: InputKind = 'argument'): string {
  if (typeof nodeId !== 'string' || nodeId.length === 0 || utf8(nodeId).length > MAX_NODE_ID_BYTES) {
    throw invalidInput(kind, name, `a non-empty string of at most ${MAX_NODE_ID_BYTES} UTF-8 bytes`, nodeId);
  }
  return nodeId;
}

/**
 * A node's long-term keys: an Ed25519 signing key pair and an X25519 key
 * agreement pair, under a node id and key epoch. The secret keys leave the
 * object only through `exportSecretKeys()`, which a node calls to store them.
 */
export class Identity implements PublicIdentity {
  readonly nodeId: string;
  readonly epoch: number;
  readonly signingPublicKey: Uint8Array;
  readonly agreementPublicKey: Uint8Array;
  readonly #randomBytes: RandomBytes;

  private constructor(nodeId: string, epoch: number, randomBytes: RandomBytes, secretKeys?: Uint8Array) {
    this.nodeId = nodeId;
    this.epoch = epoch;
    this.#randomBytes = randomBytes;
    const signing = nacl.sign.keyPair.fromSeed(secretKeys?.slice(0, 32) ?? randomBytes(32));
    const agreement = nacl.box.keyPair.fromSecretKey(secretKeys?.slice(32) ?? randomBytes(32));
    this.signingPublicKey = signing.publicKey;
    this.agreementPublicKey = agreement.publicKey;
    secrets.set(this, { signingSecretKey: signing.secretKey, agreementSecretKey: agreement.secretKey });
  }

  /** New random keys for `nodeId`. */
  static generate(nodeId: string, options?: IdentityOptions): Identity {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, IDENTITY_OPTION_KEYS);
    const { epoch = 1, insecureRandomBytesForTests = secureRandomBytes } = given;
    checkNodeId('nodeId', nodeId);
    integerOption('epoch', epoch, { min: 0, max: 2 ** 32 - 1 });
    randomBytesOption(insecureRandomBytesForTests);
    return new Identity(nodeId, epoch, insecureRandomBytesForTests);
  }

  /**
   * The identity whose secret keys `exportSecretKeys()` gave: how a node
   * loads its long-term keys from its own storage when it starts again.
   * `secretKeys` is copied; the caller may erase its buffer afterwards.
   */
  static fromSecretKeys(nodeId: string, secretKeys: Uint8Array, options?: ImportIdentityOptions): Identity {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, IMPORT_OPTION_KEYS);
    const { epoch = 1 } = given;
    checkNodeId('nodeId', nodeId);
    if (!(secretKeys instanceof Uint8Array) || secretKeys.length !== SECRET_KEYS_LENGTH) {
      throw new InvalidArgumentError(
        'secretKeys',
        `${SECRET_KEYS_LENGTH} bytes from identity.exportSecretKeys()`,
        secretKeys,
      );
    }
    integerOption('epoch', epoch, { min: 0, max: 2 ** 32 - 1 });
    return new Identity(nodeId, epoch, secureRandomBytes, secretKeys);
  }

  /**
   * A copy of the secret keys (64 bytes: the Ed25519 seed, then the X25519
   * secret key), for the node's own key storage. Whoever reads them can be
   * this node until its key is revoked: keep them where you would keep a TLS
   * private key, and erase the copy (`fill(0)`) once it is stored.
   */
  exportSecretKeys(): Uint8Array {
    const { signingSecretKey, agreementSecretKey } = identitySecrets(this);
    const exported = new Uint8Array(SECRET_KEYS_LENGTH);
    exported.set(signingSecretKey.subarray(0, 32), 0);
    exported.set(agreementSecretKey, 32);
    return exported;
  }

  /** Fresh keys for the same node at the next epoch. Register them with `directory.rotate`. */
  rotate(): Identity {
    return new Identity(this.nodeId, this.epoch + 1, this.#randomBytes);
  }

  /** The public half, as a plain object for the directory. */
  get publicIdentity(): PublicIdentity {
    return {
      nodeId: this.nodeId,
      epoch: this.epoch,
      signingPublicKey: this.signingPublicKey,
      agreementPublicKey: this.agreementPublicKey,
    };
  }

  /** Secrets are never serialised. */
  toJSON(): { nodeId: string; epoch: number } {
    return { nodeId: this.nodeId, epoch: this.epoch };
  }
}
