import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from './capability-token.js';
import { thrown } from './fixtures.test-util.js';
import { Identity } from './identity.js';
import { KeyDirectory } from './key-directory.js';
import { createMemoryLink } from './memory-transport.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';
import { openSealed, sealTo } from './sealed-box.js';
import { accept, connect } from './secure-channel.js';

const random = insecureDeterministicRandomBytes('identity export');

describe('Identity.exportSecretKeys and Identity.fromSecretKeys', () => {
  it('give back an identity with the same keys, which every party that trusted the original accepts', async () => {
    const original = Identity.generate('branch-a', { epoch: 3, insecureRandomBytesForTests: random });
    const hq = Identity.generate('hq', { insecureRandomBytesForTests: random });
    const directory = new KeyDirectory();
    directory.register(original.publicIdentity);
    directory.register(hq.publicIdentity);

    const stored = original.exportSecretKeys();
    expect(stored).toHaveLength(64);
    const restored = Identity.fromSecretKeys('branch-a', stored, { epoch: 3 });
    expect(restored.publicIdentity).toEqual(original.publicIdentity);

    // A handshake as the restored identity, against a directory that only knows the original's keys.
    const [linkA, linkB] = createMemoryLink();
    const atHq = accept(linkB, { identity: hq, directory });
    const atBranch = connect(linkA, { identity: restored, directory, peer: 'hq' });
    await atBranch.ready;
    await atHq.ready;
    expect(atHq.peer).toMatchObject({ nodeId: 'branch-a', epoch: 3 });
    await atBranch.close();
    await atHq.close();

    // Tokens it signs verify, and sealed boxes to the original open with it.
    const token = issueToken(restored, { audience: 'hq', rights: ['read:accounts/*'] });
    expect(verifyToken(token, { directory, audience: 'hq', right: 'read:accounts/7' }).issuer).toBe('branch-a');
    const sealed = sealTo(original.publicIdentity, new TextEncoder().encode('kept'));
    expect(new TextDecoder().decode(openSealed(restored, sealed))).toBe('kept');
  });

  it('hands out a copy: erasing it, or the buffer it was imported from, changes neither identity', () => {
    const original = Identity.generate('a', { insecureRandomBytesForTests: random });
    const exported = original.exportSecretKeys();
    const restored = Identity.fromSecretKeys('a', exported);
    exported.fill(0);
    expect(original.exportSecretKeys()).toEqual(restored.exportSecretKeys());
    expect(original.exportSecretKeys().some((byte) => byte !== 0)).toBe(true);
  });

  it('defaults the epoch to 1, and rotates an imported identity to fresh keys at the next epoch', () => {
    const restored = Identity.fromSecretKeys('a', Identity.generate('a').exportSecretKeys());
    expect(restored.epoch).toBe(1);
    const next = restored.rotate();
    expect(next.epoch).toBe(2);
    expect(next.signingPublicKey).not.toEqual(restored.signingPublicKey);
  });

  it('never serialises the secrets', () => {
    const restored = Identity.fromSecretKeys('a', Identity.generate('a').exportSecretKeys(), { epoch: 2 });
    expect(JSON.stringify(restored)).toBe('{"nodeId":"a","epoch":2}');
  });

  it('refuses bad input at the call site with typed errors naming it', () => {
    const keys = Identity.generate('a').exportSecretKeys();
    const cases: [() => unknown, string, string][] = [
      [() => Identity.fromSecretKeys('a', keys.subarray(0, 63)), 'ERR_PALISADE_INVALID_ARGUMENT', 'secretKeys'],
      [() => Identity.fromSecretKeys('a', new Uint8Array(65)), 'ERR_PALISADE_INVALID_ARGUMENT', 'secretKeys'],
      [() => Identity.fromSecretKeys('a', [...keys] as never), 'ERR_PALISADE_INVALID_ARGUMENT', 'secretKeys'],
      [() => Identity.fromSecretKeys('a', undefined as never), 'ERR_PALISADE_INVALID_ARGUMENT', 'secretKeys'],
      [() => Identity.fromSecretKeys('', keys), 'ERR_PALISADE_INVALID_ARGUMENT', 'nodeId'],
      [() => Identity.fromSecretKeys('a', keys, { epoch: -1 }), 'ERR_PALISADE_INVALID_OPTION', 'epoch'],
      [() => Identity.fromSecretKeys('a', keys, { epoch: 1.5 }), 'ERR_PALISADE_INVALID_OPTION', 'epoch'],
      [() => Identity.fromSecretKeys('a', keys, { epoc: 2 } as never), 'ERR_PALISADE_INVALID_OPTION', 'epoc'],
      [() => Identity.fromSecretKeys('a', keys, 'epoch 2' as never), 'ERR_PALISADE_INVALID_OPTION', 'options'],
    ];
    for (const [call, code, name] of cases) {
      const error = thrown(call) as Error & { code?: string; option?: string; argument?: string };
      expect(error.code, name).toBe(code);
      expect(error.option ?? error.argument, name).toBe(name);
    }
  });
});
