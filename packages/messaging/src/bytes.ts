import { InvalidArgumentError } from '@palisade/core';
import { MalformedMessageError } from './errors.js';
import { nacl } from './nacl.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A private copy of bytes handed in from outside, for code that reads them
 * after an `await`: transports may reuse their receive buffer as soon as the
 * listener returns. Anything that is not a Uint8Array passes through, for
 * the decoder to refuse with a typed error.
 */
export function ownCopy<T>(bytes: T): T {
  return (bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes) as T;
}

/** True for a Uint8Array (of `length` bytes, if given). */
export function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length);
}

/** Throws `InvalidArgumentError` unless `value` is a Uint8Array (of `length` bytes, if given). */
export function checkBytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!isBytes(value, length)) {
    throw new InvalidArgumentError(
      name,
      length === undefined ? 'a Uint8Array' : `a Uint8Array of ${length} bytes`,
      value,
    );
  }
  return value;
}

/** Constant-time for equal lengths; lengths are public. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return nacl.verify(a, b);
}

export function isAllZero(bytes: Uint8Array): boolean {
  let accumulated = 0;
  for (let i = 0; i < bytes.length; i++) accumulated |= bytes[i] as number;
  return accumulated === 0;
}

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  return hex;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new RangeError(`not hex: ${hex.slice(0, 16)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

export function readUint32(source: Uint8Array, offset: number): number {
  return (
    (((source[offset] as number) << 24) |
      ((source[offset + 1] as number) << 16) |
      ((source[offset + 2] as number) << 8) |
      (source[offset + 3] as number)) >>>
    0
  );
}

/** Big-endian u64 from a safe integer (callers keep values ≤ 2^53 − 1). */
export function writeUint64(target: Uint8Array, offset: number, value: number): void {
  writeUint32(target, offset, Math.floor(value / 2 ** 32));
  writeUint32(target, offset + 4, value >>> 0);
}

/**
 * A bounds-checked cursor over untrusted bytes. Every read checks the
 * remaining length first and returns views, never copies, so no allocation is
 * ever sized from a length field an attacker chose. Every failure is a
 * `MalformedMessageError`.
 */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #structure: string;
  #offset = 0;

  constructor(bytes: Uint8Array, structure: string) {
    this.#bytes = bytes;
    this.#structure = structure;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  fail(reason: ConstructorParameters<typeof MalformedMessageError>[1], detail?: string): never {
    throw new MalformedMessageError(this.#structure, reason, detail);
  }

  #need(length: number): void {
    if (length > this.remaining) this.fail('truncated', `needs ${length} more bytes, has ${this.remaining}`);
  }

  u8(): number {
    this.#need(1);
    return this.#bytes[this.#offset++] as number;
  }

  u16(): number {
    this.#need(2);
    const value = ((this.#bytes[this.#offset] as number) << 8) | (this.#bytes[this.#offset + 1] as number);
    this.#offset += 2;
    return value;
  }

  u32(): number {
    this.#need(4);
    const value = readUint32(this.#bytes, this.#offset);
    this.#offset += 4;
    return value;
  }

  /** A u64 that must fit a safe integer; larger values are never produced by this package. */
  u64(): number {
    this.#need(8);
    const high = readUint32(this.#bytes, this.#offset);
    const low = readUint32(this.#bytes, this.#offset + 4);
    if (high >= 2 ** 21) this.fail('counter-out-of-range', 'a 64-bit field above 2^53 - 1');
    this.#offset += 8;
    return high * 2 ** 32 + low;
  }

  bytes(length: number): Uint8Array {
    this.#need(length);
    const view = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return view;
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A UTF-8 string prefixed by its u8 byte length, not empty. */
  shortString(): string {
    const length = this.u8();
    if (length === 0) this.fail('bad-length', 'empty string');
    const raw = this.bytes(length);
    try {
      return utf8Decoder.decode(raw);
    } catch {
      return this.fail('bad-utf8');
    }
  }

  end(): void {
    if (this.remaining !== 0) this.fail('trailing-bytes', `${this.remaining} bytes after the end`);
  }
}

/** Appends fields into a growing list of parts; `finish()` concatenates once. */
export class ByteWriter {
  readonly #parts: Uint8Array[] = [];

  u8(value: number): this {
    this.#parts.push(Uint8Array.of(value));
    return this;
  }

  u16(value: number): this {
    this.#parts.push(Uint8Array.of(value >>> 8, value & 0xff));
    return this;
  }

  u32(value: number): this {
    const out = new Uint8Array(4);
    writeUint32(out, 0, value);
    this.#parts.push(out);
    return this;
  }

  u64(value: number): this {
    const out = new Uint8Array(8);
    writeUint64(out, 0, value);
    this.#parts.push(out);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.#parts.push(value);
    return this;
  }

  shortString(value: string): this {
    const encoded = utf8(value);
    this.#parts.push(Uint8Array.of(encoded.length), encoded);
    return this;
  }

  finish(): Uint8Array {
    return concatBytes(...this.#parts);
  }
}
