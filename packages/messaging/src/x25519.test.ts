import { InvalidArgumentError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { MalformedMessageError } from './errors.js';
import { thrown } from './fixtures.test-util.js';
import { safeX25519, x25519PublicKey } from './x25519.js';

const notBytes: unknown[] = [null, undefined, 42, 'abc', [1, 2, 3], new Uint16Array(16)];

describe('safeX25519', () => {
  const secret = new Uint8Array(32).fill(5);
  const peer = x25519PublicKey(new Uint8Array(32).fill(6));

  it('agrees with the other side', () => {
    expect(safeX25519(secret, peer)).toEqual(safeX25519(new Uint8Array(32).fill(6), x25519PublicKey(secret)));
  });

  it('refuses a secret key that is not 32 bytes with InvalidArgumentError, not a raw Error', () => {
    for (const bad of [...notBytes, new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      const error = thrown(() => safeX25519(bad as Uint8Array, peer));
      expect(error, String(bad)).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument: 'secretKey' });
    }
  });

  it('refuses a peer key that is not 32 bytes as a malformed message', () => {
    for (const bad of [...notBytes, new Uint8Array(31), new Uint8Array(33)]) {
      const error = thrown(() => safeX25519(secret, bad as Uint8Array));
      expect(error, String(bad)).toBeInstanceOf(MalformedMessageError);
      expect((error as MalformedMessageError).reason).toBe(bad instanceof Uint8Array ? 'bad-length' : 'not-bytes');
    }
  });

  it('x25519PublicKey refuses a secret key that is not 32 bytes with InvalidArgumentError', () => {
    for (const bad of [...notBytes, new Uint8Array(31)]) {
      expect(thrown(() => x25519PublicKey(bad as Uint8Array)).code, String(bad)).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    }
  });
});
