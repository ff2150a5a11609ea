import nacl from 'tweetnacl';

/**
 * The parts of tweetnacl's untyped `lowlevel` API we call. Using
 * `crypto_secretbox` directly lets a frame be sealed in place after its
 * header, with no extra copy of the message.
 */
interface NaclLowLevel {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
}

export const naclLowLevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

export { nacl };
