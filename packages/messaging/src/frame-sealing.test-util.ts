import nacl from 'tweetnacl';

/**
 * Seals a session frame from the README's wire format alone, with none of
 * this package's code: header = version ‖ type ‖ session id (u32) ‖ epoch
 * (u32) ‖ counter (u64); nonce = "plsf" ‖ direction ‖ version ‖ type ‖ 0 ‖
 * session id ‖ epoch ‖ counter; frame = header ‖ secretbox (tag ‖ ciphertext).
 * Lets a test put authentic frames on the wire that `Session` itself would
 * never seal.
 */
export interface FrameFields {
  readonly type: number;
  readonly sessionId: number;
  readonly epoch: number;
  readonly counter: number;
  /** 0 initiator → responder, 1 responder → initiator. */
  readonly direction: 0 | 1;
}

function be(value: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) % 256);
  return out;
}

export function sealFrame(key: Uint8Array, fields: FrameFields, plaintext: Uint8Array): Uint8Array {
  const tail = [...be(fields.sessionId, 4), ...be(fields.epoch, 4), ...be(fields.counter, 8)];
  const header = Uint8Array.from([0x01, fields.type, ...tail]);
  const nonce = Uint8Array.from([0x70, 0x6c, 0x73, 0x66, fields.direction, 0x01, fields.type, 0, ...tail]);
  const sealed = nacl.secretbox(plaintext, nonce, key);
  const frame = new Uint8Array(header.length + sealed.length);
  frame.set(header);
  frame.set(sealed, header.length);
  return frame;
}
