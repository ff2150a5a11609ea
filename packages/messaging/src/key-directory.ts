import { type Clock, type Event, InvalidArgumentError, InvalidOptionError, realClock } from '@palisade/core';
import {
  durationOption,
  integerOption,
  optionsObject,
  rejectUnknownOptions,
  SafeEventEmitter,
} from '@palisade/core/internal';
import { toHex } from './bytes.js';
import { KeyRetiredError, KeyRevokedError, UnknownPeerError } from './errors.js';
import { checkNodeId, type PublicIdentity } from './identity.js';

export interface KeyDirectoryOptions {
  /** Where time comes from (rotation grace periods). @default realClock */
  readonly clock?: Clock;
  /**
   * After a rotation, how long the previous key still opens new sessions and
   * backs tokens, so nodes can switch over with no downtime. Sessions already
   * open are not affected by rotation. @default 300_000 (5 minutes)
   */
  readonly rotationGrace?: number;
}

export interface RotateOptions {
  /** How long the node's previous keys still back new sessions and tokens. @default the directory's `rotationGrace` */
  readonly grace?: number;
}

export interface RevokeOptions {
  /** Revoke only this epoch of the node's keys. @default every epoch */
  readonly epoch?: number;
  /** Carried by the `onRevoke` event. @default 'revoked' */
  readonly reason?: string;
}

const KEY_DIRECTORY_OPTION_KEYS = ['clock', 'rotationGrace'] as const satisfies readonly (keyof KeyDirectoryOptions)[];
const ROTATE_OPTION_KEYS = ['grace'] as const satisfies readonly (keyof RotateOptions)[];
const REVOKE_OPTION_KEYS = ['epoch', 'reason'] as const satisfies readonly (keyof RevokeOptions)[];

/** `active`: current key. `retiring`: rotated out, in its grace period. `retired`: grace over. `revoked`: never trusted again. */
export type KeyStatus = 'active' | 'retiring' | 'retired' | 'revoked';

export interface DirectoryEntry extends PublicIdentity {
  readonly status: KeyStatus;
  /** When a rotated-out key stops being accepted. */
  readonly retiresAt: number | undefined;
}

export interface KeyRotationEvent {
  readonly nodeId: string;
  readonly fromEpoch: number;
  readonly toEpoch: number;
  readonly retiresAt: number;
}

export type RevocationEvent =
  | { readonly kind: 'key'; readonly nodeId: string; readonly epochs: readonly number[]; readonly reason: string }
  | { readonly kind: 'token'; readonly revocationId: string; readonly reason: string };

interface StoredEntry {
  readonly identity: PublicIdentity;
  retiresAt: number | undefined;
  revoked: boolean;
}

/**
 * The trust store: node id → public keys per epoch, with rotation and
 * revocation. It is local state filled out of band (configuration, an admin
 * tool, a signed feed); handshakes and token checks consult it and nothing
 * else.
 */
export class KeyDirectory {
  readonly #clock: Clock;
  readonly #rotationGrace: number;
  readonly #nodes = new Map<string, StoredEntry[]>();
  readonly #revokedTokens = new Set<string>();
  readonly #registered = new SafeEventEmitter<PublicIdentity>();
  readonly #rotated = new SafeEventEmitter<KeyRotationEvent>();
  readonly #revoked = new SafeEventEmitter<RevocationEvent>();

  /** A node's first key was registered. */
  readonly onRegister: Event<PublicIdentity> = this.#registered.addListener;
  /** A node moved to a new key epoch. */
  readonly onRotate: Event<KeyRotationEvent> = this.#rotated.addListener;
  /** A key or a token was revoked. Channels to a revoked peer close on this event. */
  readonly onRevoke: Event<RevocationEvent> = this.#revoked.addListener;

  constructor(options?: KeyDirectoryOptions) {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, KEY_DIRECTORY_OPTION_KEYS);
    const { clock = realClock, rotationGrace = 300_000 } = given;
    this.#clock = clock;
    this.#rotationGrace = durationOption('rotationGrace', rotationGrace);
  }

  /** Adds a node that is not in the directory yet. */
  register(identity: PublicIdentity): void {
    const checked = checkPublicIdentity(identity);
    if (this.#nodes.has(checked.nodeId)) {
      throw new InvalidArgumentError(
        'identity',
        `a node not yet registered (use rotate() for a new key of ${JSON.stringify(checked.nodeId)})`,
        checked.nodeId,
      );
    }
    this.#nodes.set(checked.nodeId, [{ identity: checked, retiresAt: undefined, revoked: false }]);
    this.#registered.emit(checked);
  }

  /**
   * Adds a node's next key. Its previous keys stay valid for new sessions for
   * `grace`, then retire. Also how a revoked node is given a fresh key.
   */
  rotate(identity: PublicIdentity, options?: RotateOptions): void {
    const checked = checkPublicIdentity(identity);
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, ROTATE_OPTION_KEYS);
    const grace = durationOption('grace', given.grace ?? this.#rotationGrace);
    const entries = this.#nodes.get(checked.nodeId);
    if (entries === undefined) throw new UnknownPeerError(checked.nodeId);
    const latest = entries[entries.length - 1] as StoredEntry;
    if (checked.epoch <= latest.identity.epoch) {
      throw new InvalidArgumentError('identity.epoch', `an epoch above ${latest.identity.epoch}`, checked.epoch);
    }
    const retiresAt = this.#clock.now() + grace;
    for (const entry of entries) {
      if (entry.retiresAt === undefined || entry.retiresAt > retiresAt) entry.retiresAt = retiresAt;
    }
    entries.push({ identity: checked, retiresAt: undefined, revoked: false });
    this.#rotated.emit({ nodeId: checked.nodeId, fromEpoch: latest.identity.epoch, toEpoch: checked.epoch, retiresAt });
  }

  /** Revokes one epoch of a node's keys, or all of them. Open channels to it close. */
  revoke(nodeId: string, options?: RevokeOptions): void {
    const given = optionsObject('options', options);
    rejectUnknownOptions(given, REVOKE_OPTION_KEYS);
    const { epoch, reason = 'revoked' } = given;
    if (epoch !== undefined) integerOption('epoch', epoch, { min: 0, max: 2 ** 32 - 1 });
    if (typeof reason !== 'string') throw new InvalidOptionError('reason', 'a string', reason);
    const entries = this.#nodes.get(nodeId);
    if (entries === undefined) throw new UnknownPeerError(nodeId);
    const epochs: number[] = [];
    for (const entry of entries) {
      if ((epoch === undefined || entry.identity.epoch === epoch) && !entry.revoked) {
        entry.revoked = true;
        epochs.push(entry.identity.epoch);
      }
    }
    if (epoch !== undefined && epochs.length === 0 && !entries.some((e) => e.identity.epoch === epoch)) {
      throw new UnknownPeerError(nodeId, epoch);
    }
    if (epochs.length > 0) this.#revoked.emit({ kind: 'key', nodeId, epochs, reason });
  }

  /**
   * Revokes every token whose chain carries this revocation id: 16 bytes, or
   * exactly 32 hex digits (either case). Anything else throws
   * `InvalidArgumentError` and revokes nothing: an id that matches no token
   * by a typo would otherwise look revoked and leave the token working.
   */
  revokeToken(revocationId: Uint8Array | string, reason = 'revoked'): void {
    const id = revocationIdHex(revocationId);
    if (typeof reason !== 'string') throw new InvalidArgumentError('reason', 'a string', reason);
    if (this.#revokedTokens.has(id)) return;
    this.#revokedTokens.add(id);
    this.#revoked.emit({ kind: 'token', revocationId: id, reason });
  }

  isTokenRevoked(revocationIdHex: string): boolean {
    return this.#revokedTokens.has(revocationIdHex);
  }

  has(nodeId: string): boolean {
    return this.#nodes.has(nodeId);
  }

  /**
   * The key of `nodeId` at `epoch`, if it may back a new session or token.
   * Throws `UnknownPeerError`, `KeyRevokedError` or `KeyRetiredError`.
   */
  resolve(nodeId: string, epoch: number): DirectoryEntry {
    const entry = this.#nodes.get(nodeId)?.find((candidate) => candidate.identity.epoch === epoch);
    if (entry === undefined) throw new UnknownPeerError(nodeId, epoch);
    const view = this.#view(entry);
    if (view.status === 'revoked') throw new KeyRevokedError(nodeId, epoch);
    if (view.status === 'retired') throw new KeyRetiredError(nodeId, epoch);
    return view;
  }

  /** The node's newest key that may still back new sessions (not revoked, not retired). */
  current(nodeId: string): DirectoryEntry {
    const entries = this.#nodes.get(nodeId);
    if (entries === undefined) throw new UnknownPeerError(nodeId);
    for (let i = entries.length - 1; i >= 0; i--) {
      const view = this.#view(entries[i] as StoredEntry);
      if (view.status === 'active' || view.status === 'retiring') return view;
    }
    const latest = this.#view(entries[entries.length - 1] as StoredEntry);
    if (latest.status === 'revoked') throw new KeyRevokedError(nodeId, latest.epoch);
    throw new KeyRetiredError(nodeId, latest.epoch);
  }

  /** Every key of every node (or of one node), with its status now. */
  entries(nodeId?: string): DirectoryEntry[] {
    const lists = nodeId === undefined ? [...this.#nodes.values()] : [this.#nodes.get(nodeId) ?? []];
    return lists.flat().map((entry) => this.#view(entry));
  }

  #view(entry: StoredEntry): DirectoryEntry {
    let status: KeyStatus = 'active';
    if (entry.revoked) status = 'revoked';
    else if (entry.retiresAt !== undefined) status = this.#clock.now() >= entry.retiresAt ? 'retired' : 'retiring';
    return { ...entry.identity, status, retiresAt: entry.retiresAt };
  }
}

const REVOCATION_ID_BYTES = 16;
const revocationIdPattern = /^[0-9a-f]{32}$/i;

function revocationIdHex(revocationId: unknown): string {
  if (revocationId instanceof Uint8Array && revocationId.length === REVOCATION_ID_BYTES) return toHex(revocationId);
  if (typeof revocationId === 'string' && revocationIdPattern.test(revocationId)) return revocationId.toLowerCase();
  throw new InvalidArgumentError('revocationId', '16 bytes, or a string of exactly 32 hex digits', revocationId);
}

function checkPublicIdentity(identity: PublicIdentity): PublicIdentity {
  if (identity === null || typeof identity !== 'object') {
    throw new InvalidArgumentError('identity', 'a PublicIdentity', identity);
  }
  const { nodeId, epoch, signingPublicKey, agreementPublicKey } = identity;
  checkNodeId('identity.nodeId', nodeId);
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 2 ** 32 - 1) {
    throw new InvalidArgumentError('identity.epoch', 'an integer in [0, 2^32 - 1]', epoch);
  }
  for (const [name, key] of [
    ['identity.signingPublicKey', signingPublicKey],
    ['identity.agreementPublicKey', agreementPublicKey],
  ] as const) {
    if (!(key instanceof Uint8Array) || key.length !== 32) throw new InvalidArgumentError(name, '32 bytes', key);
  }
  return {
    nodeId,
    epoch,
    signingPublicKey: Uint8Array.from(signingPublicKey),
    agreementPublicKey: Uint8Array.from(agreementPublicKey),
  };
}
