import { Identity, type KeyDirectory, type PublicIdentity } from '@palisade/messaging';

/** A public identity as JSON can carry it (between the supervisor and its processes). */
export interface WireIdentity {
  readonly nodeId: string;
  readonly epoch: number;
  readonly signingPublicKey: string;
  readonly agreementPublicKey: string;
}

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromBase64 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'base64'));

export const toWire = (identity: PublicIdentity): WireIdentity => ({
  nodeId: identity.nodeId,
  epoch: identity.epoch,
  signingPublicKey: toBase64(identity.signingPublicKey),
  agreementPublicKey: toBase64(identity.agreementPublicKey),
});

export const fromWire = (identity: WireIdentity): PublicIdentity => ({
  nodeId: identity.nodeId,
  epoch: identity.epoch,
  signingPublicKey: fromBase64(identity.signingPublicKey),
  agreementPublicKey: fromBase64(identity.agreementPublicKey),
});

/** A change to the key directory, which HQ sends every process as it happens. */
export type DirectoryChange =
  | { readonly kind: 'register'; readonly identity: WireIdentity }
  | { readonly kind: 'rotate'; readonly identity: WireIdentity }
  | { readonly kind: 'revoke'; readonly nodeId: string }
  | { readonly kind: 'revoke-token'; readonly revocationId: string };

export function applyDirectoryChange(directory: KeyDirectory, change: DirectoryChange): void {
  switch (change.kind) {
    case 'register':
      if (!directory.has(change.identity.nodeId)) directory.register(fromWire(change.identity));
      return;
    case 'rotate':
      directory.rotate(fromWire(change.identity), { grace: 0 });
      return;
    case 'revoke':
      directory.revoke(change.nodeId, { reason: 'compromised' });
      return;
    case 'revoke-token':
      directory.revokeToken(change.revocationId, 'compromised');
      return;
  }
}

/** A node's stored key: what a process loads at start, and what an attacker steals. */
export interface KeyFile {
  readonly nodeId: string;
  readonly epoch: number;
  readonly secretKeys: string;
}

export const keyFileOf = (identity: Identity): KeyFile => ({
  nodeId: identity.nodeId,
  epoch: identity.epoch,
  secretKeys: toBase64(identity.exportSecretKeys()),
});

export const identityOf = (file: KeyFile): Identity =>
  Identity.fromSecretKeys(file.nodeId, fromBase64(file.secretKeys), { epoch: file.epoch });
