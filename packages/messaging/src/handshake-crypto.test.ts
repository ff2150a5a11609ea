import { InvalidArgumentError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { sign } from './ed25519.js';
import { MalformedMessageError } from './errors.js';
import { rejected } from './fixtures.test-util.js';
import { type HandshakeCrypto, nativeHandshakeCrypto, tweetnaclCrypto } from './handshake-crypto.js';
import { nacl } from './nacl.js';

const notBytes: unknown[] = [null, undefined, 42, 'abc', [1, 2, 3], {}, new Uint16Array(32)];
const { publicKey, secretKey } = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(3));
const message = Uint8Array.of(1, 2, 3);
const signature = sign(message, secretKey);

async function implementations(): Promise<HandshakeCrypto[]> {
  const native = await nativeHandshakeCrypto();
  if (native === undefined) expect(process.env.CI, 'WebCrypto Ed25519/X25519 is required under CI').toBeUndefined();
  return native === undefined ? [tweetnaclCrypto] : [tweetnaclCrypto, native];
}

describe('HandshakeCrypto, on both paths', () => {
  it('verify never throws or rejects: bad arguments give false', async () => {
    for (const crypto of await implementations()) {
      expect(await crypto.verify(message, signature, publicKey), crypto.name).toBe(true);
      for (const bad of [...notBytes, new Uint8Array(31)]) {
        const label = `${crypto.name} ${String(bad)}`;
        expect(await crypto.verify(bad as Uint8Array, signature, publicKey), `message ${label}`).toBe(false);
        expect(await crypto.verify(message, bad as Uint8Array, publicKey), `signature ${label}`).toBe(false);
        expect(await crypto.verify(message, signature, bad as Uint8Array), `key ${label}`).toBe(false);
      }
    }
  });

  it('x25519, x25519PublicKey and sign refuse bad arguments with typed errors', async () => {
    const peer = await tweetnaclCrypto.x25519PublicKey(new Uint8Array(32).fill(6));
    for (const crypto of await implementations()) {
      for (const bad of [...notBytes, new Uint8Array(31)]) {
        const label = `${crypto.name} ${String(bad)}`;
        expect(await rejected(crypto.x25519(bad as Uint8Array, peer)), label).toBeInstanceOf(InvalidArgumentError);
        expect(await rejected(crypto.x25519(new Uint8Array(32), bad as Uint8Array)), label).toBeInstanceOf(
          MalformedMessageError,
        );
        expect(await rejected(crypto.x25519PublicKey(bad as Uint8Array)), label).toBeInstanceOf(InvalidArgumentError);
        expect(await rejected(crypto.sign(message, bad as Uint8Array)), label).toBeInstanceOf(InvalidArgumentError);
        if (!(bad instanceof Uint8Array)) {
          expect(await rejected(crypto.sign(bad as Uint8Array, secretKey)), label).toBeInstanceOf(InvalidArgumentError);
        }
      }
    }
  });
});
