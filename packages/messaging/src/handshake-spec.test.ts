import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { handshake, makeWorld, read, text } from './fixtures.test-util.js';
import { sealFrame } from './frame-sealing.test-util.js';
import { hkdfSha512 } from './hkdf.js';
import { hmacSha512 } from './hmac.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';

/**
 * The handshake section of the README, followed step by step with tweetnacl
 * and the (Wycheproof-checked) HMAC/HKDF, and none of the handshake code:
 * if the formula in the README leaves anything out, these keys do not open
 * what the implementation sent.
 */
const utf8 = (value: string) => new TextEncoder().encode(value);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const H = (...parts: Uint8Array[]) => nacl.hash(concat(...parts));
const u16 = (value: number) => Uint8Array.of(value >>> 8, value & 0xff);
const zeroNonce = new Uint8Array(24);

/** `id ‖ epoch` in the formula: u8 length ‖ node id (UTF-8) ‖ u32 epoch, as in the payload table. */
function identityBlock(payload: Uint8Array): Uint8Array {
  return payload.subarray(0, 1 + (payload[0] as number) + 4);
}

describe('the README handshake formula', () => {
  it('reproduces every key, signature, MAC and the session keys of a real handshake', async () => {
    const { clock, directory, nodes } = makeWorld(['branch-a', 'branch-b']);
    const context = 'bank of palisade';
    const seed = 'spec ephemeral';
    const run = await handshake(
      {
        directory,
        clock,
        crypto: 'tweetnacl',
        context,
        insecureRandomBytesForTests: insecureDeterministicRandomBytes(seed),
      },
      nodes['branch-a']!,
      nodes['branch-b']!,
    );
    // The same test randomness, replayed: the initiator drew e_I first, then the responder e_R.
    const replay = insecureDeterministicRandomBytes(seed);
    const eI = replay(32);
    const eR = replay(32);
    const dh = nacl.scalarMult(eR, run.hello.subarray(4, 36));
    expect(dh).toEqual(nacl.scalarMult(eI, run.response.subarray(4, 36)));

    // h = H(H(H("palisade/v1 handshake" ‖ u16 length ‖ context) ‖ HELLO) ‖ v1 ‖ 0x02 ‖ 0 0 ‖ e_R·G)
    const contextBytes = utf8(context);
    const h0 = H(utf8('palisade/v1 handshake'), u16(contextBytes.length), contextBytes);
    const hHello = H(h0, run.hello);
    const h = H(hHello, run.response.subarray(0, 36));
    const keys = hkdfSha512(dh, h, utf8('palisade/v1 handshake keys'), 128);
    const [kR, kI, mR, mI] = [0, 1, 2, 3].map((i) => keys.subarray(32 * i, 32 * (i + 1))) as Uint8Array[];

    const responderPayload = nacl.secretbox.open(run.response.subarray(36), zeroNonce, kR!);
    expect(responderPayload, 'kR from the formula opens the RESPONSE').not.toBeNull();
    const blockR = identityBlock(responderPayload!);
    const sigR = responderPayload!.subarray(blockR.length, blockR.length + 64);
    const macR = responderPayload!.subarray(blockR.length + 64);
    const responderSigned = concat(utf8('palisade/v1 responder signature\0'), h, blockR);
    expect(nacl.sign.detached.verify(responderSigned, sigR, nodes['branch-b']!.signingPublicKey)).toBe(true);
    expect(macR).toEqual(hmacSha512(mR!, concat(h, blockR)).subarray(0, 32));

    // h' = H(H(… ‖ HELLO) ‖ RESPONSE)
    const h1 = H(hHello, run.response);
    const initiatorPayload = nacl.secretbox.open(run.finish.subarray(4), zeroNonce, kI!);
    expect(initiatorPayload, 'kI from the formula opens the FINISH').not.toBeNull();
    const blockI = identityBlock(initiatorPayload!);
    const sigI = initiatorPayload!.subarray(blockI.length, blockI.length + 64);
    const initiatorSigned = concat(utf8('palisade/v1 initiator signature\0'), h1, blockI);
    expect(nacl.sign.detached.verify(initiatorSigned, sigI, nodes['branch-a']!.signingPublicKey)).toBe(true);
    expect(initiatorPayload!.subarray(blockI.length + 64)).toEqual(hmacSha512(mI!, concat(h1, blockI)).subarray(0, 32));

    // h'' = H(h' ‖ FINISH); k_I→R ‖ k_R→I ‖ session id = HKDF(salt h'', dh, "palisade/v1 session" ‖ id_I ‖ epoch_I ‖ id_R ‖ epoch_R)
    const h2 = H(h1, run.finish);
    expect(run.initiator.transcriptHash).toEqual(h2);
    const session = hkdfSha512(dh, h2, concat(utf8('palisade/v1 session'), blockI, blockR), 68);
    const sessionId = new DataView(session.buffer, session.byteOffset + 64, 4).getUint32(0);
    expect(run.initiator.id).toBe(sessionId);
    const frame = sealFrame(
      session.subarray(0, 32),
      { type: 0x10, sessionId, epoch: 0, counter: 0, direction: 0 },
      text('per the README'),
    );
    expect(read(run.responder.open(frame).data)).toBe('per the README');
  });
});
