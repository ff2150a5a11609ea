import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmix32, murmur3Bytes, murmur3Number, murmur3String } from './murmur3.js';

interface Vectors {
  bytes: { hex: string; seed: number; hash: string; note?: string }[];
  strings: { text: string; seed: number; hash: string; note?: string }[];
  verification: { hash: string };
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/murmur3-x86-32.json', import.meta.url), 'utf8')) as Vectors;

const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
const expandText = (text: string): string => (text === 'a×256' ? 'a'.repeat(256) : text);

describe('murmur3Bytes', () => {
  it.each(vectors.bytes)('hashes 0x$hex with seed $seed to $hash ($note)', ({ hex, seed, hash }) => {
    expect(murmur3Bytes(fromHex(hex), seed)).toBe(Number.parseInt(hash, 16));
  });

  it("matches SMHasher's verification value", () => {
    const key = new Uint8Array(256);
    const hashes = new DataView(new ArrayBuffer(256 * 4));
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      hashes.setUint32(i * 4, murmur3Bytes(key.subarray(0, i), 256 - i), true);
    }
    expect(murmur3Bytes(new Uint8Array(hashes.buffer), 0)).toBe(Number.parseInt(vectors.verification.hash, 16));
  });
});

describe('murmur3String', () => {
  it.each(vectors.strings)('hashes "$text" with seed $seed to $hash', ({ text, seed, hash }) => {
    expect(murmur3String(expandText(text), seed)).toBe(Number.parseInt(hash, 16));
  });

  it('equals murmur3Bytes of the UTF-8 encoding, for any string, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (text, seed) => {
          expect(murmur3String(text, seed)).toBe(murmur3Bytes(encoder.encode(text), seed));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('handles the ASCII fast path running into non-ASCII text at every alignment', () => {
    const encoder = new TextEncoder();
    for (let prefix = 0; prefix < 9; prefix++) {
      for (const tail of ['é', '€', '😀', '\ud800', '\udc00x', 'π€😀a']) {
        const text = 'k'.repeat(prefix) + tail + 'xyz'.repeat(prefix % 3);
        expect(murmur3String(text)).toBe(murmur3Bytes(encoder.encode(text)));
      }
    }
  });
});

describe('murmur3Number', () => {
  it('hashes the 8 little-endian bytes of the double', () => {
    for (const value of [0, 1, -1, 0.5, 2 ** 53, Number.MAX_VALUE, Number.POSITIVE_INFINITY, -123.456]) {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, value, true);
      expect(murmur3Number(value)).toBe(murmur3Bytes(new Uint8Array(view.buffer)));
    }
  });

  it('hashes -0 as 0, as a Map treats them as one key', () => {
    expect(murmur3Number(-0)).toBe(murmur3Number(0));
  });
});

describe('fmix32', () => {
  it('is a bijection on a sample (no two inputs collide)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(fmix32(i * 2654435761));
    expect(seen.size).toBe(100_000);
  });

  it('avalanches: flipping one input bit flips each output bit about half the time', () => {
    const flips = new Array<number>(32).fill(0);
    const samples = 4000;
    for (let i = 0; i < samples; i++) {
      const input = fmix32(i + 1);
      const bit = i % 32;
      const difference = fmix32(input) ^ fmix32(input ^ (1 << bit));
      for (let out = 0; out < 32; out++) flips[out] = (flips[out] as number) + ((difference >>> out) & 1);
    }
    for (const count of flips) expect(count / samples).toBeGreaterThan(0.45);
    for (const count of flips) expect(count / samples).toBeLessThan(0.55);
  });
});
