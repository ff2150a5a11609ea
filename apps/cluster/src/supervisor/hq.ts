import { randomBytes } from 'node:crypto';
import { Identity, issueToken, type PublicIdentity } from '@palisade/messaging';
import { HQ } from '../bank/accounts.ts';
import { RELAY_RIGHT } from '../bank/authorise.ts';
import { saveKey } from '../common/key-store.ts';
import { toBase64, toWire, type WireIdentity } from '../common/wire.ts';

/** How long a branch's credential lasts; HQ issues new ones whenever a key changes. */
const CREDENTIAL_TTL = 24 * 3_600_000;

/**
 * Head office: the bank's root of trust. It makes every node's first key
 * (and stores it in the node's key file), keeps the public directory that
 * every process trusts, and issues each branch its credentials: one token
 * per other branch, granting it to ask that branch to write its customers'
 * orders. It remembers what it issued, so that it can revoke a branch's
 * credentials when the branch's key is stolen.
 */
export class HeadOffice {
  readonly identity = Identity.generate(HQ);
  readonly #keyDir: string;
  readonly #directory = new Map<string, PublicIdentity>([[HQ, this.identity.publicIdentity]]);
  readonly #issued = new Map<string, string[]>();

  constructor(keyDir: string) {
    this.#keyDir = keyDir;
  }

  keyFile(nodeId: string): string {
    return `${this.#keyDir}/${nodeId}.key`;
  }

  /** A new node: its key, in its key file, and its public half in the directory. */
  enrol(nodeId: string): WireIdentity {
    const identity = Identity.generate(nodeId);
    saveKey(this.keyFile(nodeId), identity);
    this.#directory.set(nodeId, identity.publicIdentity);
    return toWire(identity.publicIdentity);
  }

  /** A node's new key, which the node made and reported. */
  replaced(identity: PublicIdentity): void {
    this.#directory.set(identity.nodeId, identity);
  }

  get directory(): WireIdentity[] {
    return [...this.#directory.values()].map(toWire);
  }

  /** Credentials for `branch` on each of `others`: tokens HQ signs, remembered by their revocation ids. */
  credentialsFor(branch: string, others: readonly string[]): Record<string, string> {
    const credentials: Record<string, string> = {};
    const ids = this.#issued.get(branch) ?? [];
    for (const audience of others) {
      if (audience === branch) continue;
      const revocationId = randomBytes(16);
      credentials[audience] = toBase64(
        issueToken(this.identity, { audience, rights: [RELAY_RIGHT], ttl: CREDENTIAL_TTL, revocationId }),
      );
      ids.push(revocationId.toString('hex'));
    }
    this.#issued.set(branch, ids);
    return credentials;
  }

  /** The revocation ids of every credential issued to `branch`, which are forgotten here. */
  revokeCredentialsOf(branch: string): string[] {
    const ids = this.#issued.get(branch) ?? [];
    this.#issued.delete(branch);
    return ids;
  }
}
