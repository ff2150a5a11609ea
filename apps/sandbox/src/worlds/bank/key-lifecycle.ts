import { Identity, issueToken, KeyDirectory, type RandomBytes } from '@palisade/messaging';
import type { Monitor } from '../../sim/monitor.ts';
import type { NodeId } from '../../sim/network.ts';
import type { Simulation } from '../../sim/simulation.ts';
import { type Branch, TOKEN_AUDIENCE, toBase64Url } from './branch.ts';

export interface KeyLifecycleOptions {
  readonly sim: Simulation;
  readonly monitor: Monitor;
  /** The run's seeded stream: keys must be the same in every replay of a seed. */
  readonly randomBytes: RandomBytes;
  /** With routine rotation: how often every branch gets a new key, and how long the old one is honoured. */
  readonly rotateEveryMs: number;
  readonly rotationGraceMs: number;
  /** Whether the bank relies on keys at all: without encryption or tokens there is nothing to take back. */
  readonly keysInUse: () => boolean;
  /** A branch has a new key: its connections must reopen with it. */
  readonly rekeyed: (branch: Branch) => void;
}

/**
 * Every key's life in the bank: head office enrols a branch with a key and a
 * token, revokes them after a break-in, issues new ones, and (with routine
 * rotation) replaces every branch's key on a schedule.
 */
export class KeyLifecycle {
  readonly directory: KeyDirectory;
  readonly #options: KeyLifecycleOptions;
  readonly #hq: Identity;
  readonly #revoked = new Set<NodeId>();
  /** When each branch's key was last revoked; kept after it gets a new one. */
  readonly #revokedAt = new Map<NodeId, number>();
  /** Branches the operator tried to revoke where there are no keys: said once, then nothing more to do. */
  readonly #nothingToRevoke = new Set<NodeId>();
  #stopRotation: (() => void) | undefined;

  constructor(options: KeyLifecycleOptions) {
    this.#options = options;
    this.directory = new KeyDirectory({ clock: options.sim.clock, rotationGrace: options.rotationGraceMs });
    this.#hq = Identity.generate('bank-hq', { insecureRandomBytesForTests: options.randomBytes });
    this.directory.register(this.#hq.publicIdentity);
    this.directory.onRevoke((event) => {
      if (event.kind === 'key')
        options.monitor.log('key revoked', `${event.nodeId}'s key was revoked: nobody accepts it any more`);
    });
    this.directory.onRotate(({ nodeId }) => options.monitor.log('key rotated', `${nodeId} has a new key`));
  }

  /** A new branch's first key, registered with head office. */
  enrol(id: NodeId): Identity {
    const identity = Identity.generate(id, { insecureRandomBytesForTests: this.#options.randomBytes });
    this.directory.register(identity.publicIdentity);
    return identity;
  }

  /**
   * Head office grants a branch the right to move its own money. One token
   * per branch, valid at every branch of the bank: the audience is the bank's
   * transfer service, and the right names the branch whose money it covers.
   */
  issueToken(branch: Branch): void {
    const { randomBytes, sim } = this.#options;
    branch.tokenId = randomBytes(16);
    branch.token = toBase64Url(
      issueToken(this.#hq, {
        audience: TOKEN_AUDIENCE,
        rights: [`transfer:${branch.id}`],
        ttl: 3_600_000,
        revocationId: branch.tokenId,
        clock: sim.clock,
        insecureRandomBytesForTests: randomBytes,
      }),
    );
  }

  isRevoked(id: NodeId): boolean {
    return this.#revoked.has(id);
  }

  get revoked(): ReadonlySet<NodeId> {
    return this.#revoked;
  }

  /** When `id`'s key was last revoked, if ever. */
  revokedAt(id: NodeId): number | undefined {
    return this.#revokedAt.get(id);
  }

  /** Takes a branch's key back: from now on nobody accepts it. False if there was nothing (more) to do. */
  revoke(id: NodeId): boolean {
    if (this.#revoked.has(id)) return false;
    if (this.#options.keysInUse()) {
      this.#revoked.add(id);
      this.#revokedAt.set(id, this.#options.sim.now());
      this.directory.revoke(id, { reason: 'compromised' });
      return true;
    }
    if (this.#nothingToRevoke.has(id)) return false;
    this.#nothingToRevoke.add(id);
    this.#options.monitor.log('info', `${id} has no key to revoke: without palisade there is nothing to take back`);
    return true;
  }

  /** Re-enrols a branch with a new key (and new tokens): after a revocation, this is how it comes back. */
  rotate(branch: Branch): boolean {
    if (!this.#options.keysInUse()) return false;
    const revoked = this.#revoked.delete(branch.id);
    branch.identity = Identity.generate(branch.id, {
      epoch: branch.identity.epoch + 1,
      insecureRandomBytesForTests: this.#options.randomBytes,
    });
    // After a revocation the old key gets no grace at all, and the tokens that
    // went with it are replaced. A routine rotation keeps the tokens: they
    // name the branch, not its key.
    this.directory.rotate(branch.identity.publicIdentity, {
      grace: revoked ? 0 : this.#options.rotationGraceMs,
    });
    if (revoked) {
      this.directory.revokeToken(branch.tokenId, 'compromised');
      this.issueToken(branch);
    }
    this.#options.rekeyed(branch);
    return true;
  }

  /** Every branch that is not revoked gets a new key every `rotateEveryMs`. */
  startRotation(branches: () => Iterable<Branch>): void {
    this.stopRotation();
    this.#stopRotation = this.#options.sim.every(this.#options.rotateEveryMs, () => {
      for (const branch of branches()) if (!this.#revoked.has(branch.id)) this.rotate(branch);
    });
  }

  stopRotation(): void {
    this.#stopRotation?.();
    this.#stopRotation = undefined;
  }
}
