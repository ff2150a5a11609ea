import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from './bytes.js';
import { strictVerify } from './ed25519.js';
import { LowOrderPointError } from './errors.js';
import { hex, readVectors } from './fixtures.test-util.js';
import { nativeHandshakeCrypto, tweetnaclCrypto } from './handshake-crypto.js';
import { hkdfSha512 } from './hkdf.js';
import { hmacSha512, verifyHmacSha512 } from './hmac.js';
import { nacl } from './nacl.js';
import { safeX25519 } from './x25519.js';

interface Group<T> {
  readonly tests: readonly T[];
}
interface Suite<G> {
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}
interface XdhTest {
  tcId: number;
  public: string;
  private: string;
  shared: string;
  result: string;
  flags: string[];
}
interface EddsaTest {
  tcId: number;
  msg: string;
  sig: string;
  result: string;
  flags: string[];
}
interface MacTest {
  tcId: number;
  key: string;
  msg: string;
  tag: string;
  result: string;
}
interface HkdfTest {
  tcId: number;
  ikm: string;
  salt: string;
  info: string;
  size: number;
  okm: string;
  result: string;
}

const x25519 = readVectors<Suite<Group<XdhTest>>>('wycheproof/x25519_test.json');
const ed25519 = readVectors<Suite<Group<EddsaTest> & { publicKey: { pk: string } }>>('wycheproof/ed25519_test.json');
const hmac = readVectors<Suite<Group<MacTest> & { tagSize: number }>>('wycheproof/hmac_sha512_test.json');
const hkdf = readVectors<Suite<Group<HkdfTest>>>('wycheproof/hkdf_sha512_test.json');

describe('Wycheproof X25519', () => {
  const tests = x25519.testGroups.flatMap((group) => group.tests);

  it('has every vector', () => {
    expect(tests).toHaveLength(x25519.numberOfTests);
    expect(tests).toHaveLength(518);
  });

  it('matches every shared secret, and rejects exactly the 31 zero-shared-secret cases with a typed error', () => {
    let rejectedCount = 0;
    for (const test of tests) {
      const zero = test.flags.includes('ZeroSharedSecret');
      if (zero) {
        expect(() => safeX25519(hex(test.private), hex(test.public)), `tcId ${test.tcId}`).toThrow(LowOrderPointError);
        rejectedCount++;
      } else {
        expect(toHex(safeX25519(hex(test.private), hex(test.public))), `tcId ${test.tcId}`).toBe(test.shared);
      }
    }
    expect(rejectedCount).toBe(31);
  });

  it('shows why: raw tweetnacl returns all zeros for those 31 keys without complaint', () => {
    const zeroCases = tests.filter((test) => test.flags.includes('ZeroSharedSecret'));
    for (const test of zeroCases) {
      expect(nacl.scalarMult(hex(test.private), hex(test.public)).every((byte) => byte === 0)).toBe(true);
    }
  });

  it('the native path agrees on every vector, including the typed rejection', async () => {
    const native = await nativeHandshakeCrypto();
    if (native === undefined) {
      expect(process.env.CI, 'WebCrypto X25519 is required under CI').toBeUndefined();
      return;
    }
    for (const test of tests) {
      const run = native.x25519(hex(test.private), hex(test.public));
      if (test.flags.includes('ZeroSharedSecret')) await expect(run).rejects.toBeInstanceOf(LowOrderPointError);
      else expect(toHex(await run), `tcId ${test.tcId}`).toBe(test.shared);
    }
  });
});

describe('Wycheproof Ed25519', () => {
  const cases = ed25519.testGroups.flatMap((group) =>
    group.tests.map((test) => ({ ...test, publicKey: hex(group.publicKey.pk) })),
  );

  it('has all 151 vectors', () => {
    expect(cases).toHaveLength(151);
  });

  it('strict verification gets 151 of 151 right, malleable signatures (S ≥ L) included', () => {
    const wrong = cases.filter(
      (test) => strictVerify(hex(test.msg), hex(test.sig), test.publicKey) !== (test.result === 'valid'),
    );
    expect(wrong.map((test) => test.tcId)).toEqual([]);
  });

  it('shows why: tweetnacl alone accepts the malleable ones (146 of 151)', () => {
    const naclRight = cases.filter((test) => {
      const sig = hex(test.sig);
      const accepted = sig.length === 64 && nacl.sign.detached.verify(hex(test.msg), sig, test.publicKey);
      return accepted === (test.result === 'valid');
    });
    expect(naclRight).toHaveLength(146);
  });

  it('both handshake crypto paths agree with the vectors', async () => {
    const native = await nativeHandshakeCrypto();
    for (const crypto of native === undefined ? [tweetnaclCrypto] : [tweetnaclCrypto, native]) {
      for (const test of cases) {
        expect(
          await crypto.verify(hex(test.msg), hex(test.sig), test.publicKey),
          `${crypto.name} tcId ${test.tcId}`,
        ).toBe(test.result === 'valid');
      }
    }
  });
});

describe('Wycheproof HMAC-SHA-512', () => {
  const cases = hmac.testGroups.flatMap((group) =>
    group.tests.map((test) => ({ ...test, tagBytes: group.tagSize / 8 })),
  );

  it('has all 174 vectors', () => {
    expect(cases).toHaveLength(174);
  });

  it('computes every valid tag and refuses every invalid one', () => {
    for (const test of cases) {
      const tag = hmacSha512(hex(test.key), hex(test.msg)).subarray(0, test.tagBytes);
      expect(bytesEqual(tag, hex(test.tag)), `tcId ${test.tcId}`).toBe(test.result === 'valid');
      expect(verifyHmacSha512(hex(test.key), hex(test.msg), hex(test.tag)), `tcId ${test.tcId}`).toBe(
        test.result === 'valid',
      );
    }
  });
});

describe('Wycheproof HKDF-SHA-512', () => {
  const cases = hkdf.testGroups.flatMap((group) => group.tests);

  it('has all 83 vectors', () => {
    expect(cases).toHaveLength(83);
  });

  it('derives every valid output and refuses oversized ones with a typed error', () => {
    for (const test of cases) {
      const derive = () => hkdfSha512(hex(test.ikm), hex(test.salt), hex(test.info), test.size);
      if (test.result === 'valid') expect(toHex(derive()), `tcId ${test.tcId}`).toBe(test.okm);
      else
        expect(derive, `tcId ${test.tcId}`).toThrow(expect.objectContaining({ code: 'ERR_PALISADE_INVALID_ARGUMENT' }));
    }
  });
});
