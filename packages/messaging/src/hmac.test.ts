import { InvalidArgumentError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { thrown } from './fixtures.test-util.js';
import { hkdfExpand, hkdfExtract, hkdfSha512 } from './hkdf.js';
import { hmacSha512, verifyHmacSha512 } from './hmac.js';

const notBytes: unknown[] = [null, undefined, 42, 'abc', [1, 2, 3], new Uint16Array(4)];
const bytes = Uint8Array.of(1, 2, 3);

describe('HMAC and HKDF refuse arguments that are not bytes', () => {
  it('with InvalidArgumentError, never a raw error or a silent answer', () => {
    const calls: [string, (bad: Uint8Array) => unknown][] = [
      ['hmacSha512 key', (bad) => hmacSha512(bad, bytes)],
      ['hmacSha512 message', (bad) => hmacSha512(bytes, bad)],
      ['verifyHmacSha512 key', (bad) => verifyHmacSha512(bad, bytes, bytes)],
      ['verifyHmacSha512 message', (bad) => verifyHmacSha512(bytes, bad, bytes)],
      ['verifyHmacSha512 tag', (bad) => verifyHmacSha512(bytes, bytes, bad)],
      ['hkdfExtract salt', (bad) => hkdfExtract(bad, bytes)],
      ['hkdfExtract ikm', (bad) => hkdfExtract(bytes, bad)],
      ['hkdfExpand prk', (bad) => hkdfExpand(bad, bytes, 32)],
      ['hkdfExpand info', (bad) => hkdfExpand(bytes, bad, 32)],
      ['hkdfSha512 ikm', (bad) => hkdfSha512(bad, bytes, bytes, 32)],
      ['hkdfSha512 salt', (bad) => hkdfSha512(bytes, bad, bytes, 32)],
      ['hkdfSha512 info', (bad) => hkdfSha512(bytes, bytes, bad, 32)],
    ];
    for (const [name, call] of calls) {
      for (const bad of notBytes) {
        expect(
          thrown(() => call(bad as Uint8Array)),
          `${name} ${String(bad)}`,
        ).toBeInstanceOf(InvalidArgumentError);
      }
    }
  });
});
