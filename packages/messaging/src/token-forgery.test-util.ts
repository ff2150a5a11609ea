import nacl from 'tweetnacl';

/**
 * What a hostile holder can do with nothing but a token's bytes and the wire
 * format in the README: split the blocks, take the proof seed, and append a
 * block of its own choosing, signed with the key the token carries. Written
 * against the README on purpose, with none of this package's encoders, so a
 * test built on it checks the verifier against the format, not against
 * itself.
 */
interface WireBlock {
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

const BLOCK_LABEL = new TextEncoder().encode('palisade/v1 token block\0');

function u16(value: number): number[] {
  return [value >>> 8, value & 0xff];
}

function u64(value: number): number[] {
  const high = Math.floor(value / 2 ** 32);
  const low = value >>> 0;
  return [
    high >>> 24,
    (high >>> 16) & 0xff,
    (high >>> 8) & 0xff,
    high & 0xff,
    low >>> 24,
    (low >>> 16) & 0xff,
    (low >>> 8) & 0xff,
    low & 0xff,
  ];
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

/** version ‖ 0x30 ‖ block count ‖ (u16 body length ‖ body ‖ signature (64))* ‖ proof seed (32). */
export function splitToken(token: Uint8Array): { blocks: WireBlock[]; proofSeed: Uint8Array } {
  const blocks: WireBlock[] = [];
  let offset = 3;
  for (let i = 0; i < (token[2] as number); i++) {
    const length = ((token[offset] as number) << 8) | (token[offset + 1] as number);
    offset += 2;
    const body = token.slice(offset, offset + length);
    offset += length;
    blocks.push({ body, signature: token.slice(offset, offset + 64) });
    offset += 64;
  }
  return { blocks, proofSeed: token.slice(offset, offset + 32) };
}

/**
 * Appends an attenuation block that says whatever the forger likes:
 * `0x01 ‖ nonce (16) ‖ expires-at (u64) ‖ right count ‖ (u8 length ‖ right)* ‖ next public key (32)`,
 * signed over the block label ‖ previous signature ‖ body with the token's proof key.
 */
export function appendForgedBlock(token: Uint8Array, rights: readonly string[], expiresAt: number): Uint8Array {
  const { blocks, proofSeed } = splitToken(token);
  const holder = nacl.sign.keyPair.fromSeed(proofSeed);
  const nextSeed = nacl.hash(proofSeed).slice(0, 32);
  const next = nacl.sign.keyPair.fromSeed(nextSeed);
  const encodedRights = rights.flatMap((right) => {
    const bytes = new TextEncoder().encode(right);
    return [bytes.length, ...bytes];
  });
  const body = concat(
    [0x01],
    new Uint8Array(16).fill(0xaa),
    u64(expiresAt),
    [rights.length],
    encodedRights,
    next.publicKey,
  );
  const previous = blocks[blocks.length - 1] as WireBlock;
  const signature = nacl.sign.detached(concat(BLOCK_LABEL, previous.signature, body), holder.secretKey);
  const encodedBlocks = [...blocks, { body, signature }].flatMap((block) => [
    u16(block.body.length),
    block.body,
    block.signature,
  ]);
  return concat([0x01, 0x30, blocks.length + 1], ...encodedBlocks, nextSeed);
}
