import { describe, expect, it } from 'vitest';
import { hasCanonicalScalar, sign, strictVerify } from './ed25519.js';
import { nacl } from './nacl.js';

const notBytes: unknown[] = [null, undefined, 42, 'abc', [1, 2, 3], {}, new Uint16Array(32), new ArrayBuffer(64)];

describe('strictVerify', () => {
  const { publicKey, secretKey } = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(3));
  const message = Uint8Array.of(1, 2, 3);
  const signature = sign(message, secretKey);

  it('verifies a good signature', () => {
    expect(strictVerify(message, signature, publicKey)).toBe(true);
  });

  it('never throws: any argument that is not a Uint8Array of the right length gives false', () => {
    for (const bad of [...notBytes, new Uint8Array(31), new Uint8Array(0)]) {
      expect(strictVerify(bad as Uint8Array, signature, publicKey), `message ${String(bad)}`).toBe(false);
      expect(strictVerify(message, bad as Uint8Array, publicKey), `signature ${String(bad)}`).toBe(false);
      expect(strictVerify(message, signature, bad as Uint8Array), `public key ${String(bad)}`).toBe(false);
    }
  });

  it('hasCanonicalScalar is false for anything but a 64-byte Uint8Array, never a throw', () => {
    for (const bad of [...notBytes, new Uint8Array(63)]) expect(hasCanonicalScalar(bad as Uint8Array)).toBe(false);
    expect(hasCanonicalScalar(signature)).toBe(true);
  });
});
