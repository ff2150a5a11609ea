import { VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessagingError } from './errors.js';
import { handshake, makeWorld, read, text, thrown } from './fixtures.test-util.js';
import { sealFrame } from './frame-sealing.test-util.js';
import { MAX_EPOCH_SKIP, Session } from './session.js';
import { defaultSessionLimits, type SessionLimits } from './session-limits.js';
import { FRAME_HEADER_LENGTH, FRAME_OVERHEAD, MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;

async function pair(limits?: SessionLimits, mode: 'datagram' | 'stream' = 'datagram', names = ['alice', 'bob']) {
  const world = makeWorld(names);
  const run = await handshake(
    { directory: world.directory, clock: world.clock, crypto },
    world.nodes[names[0]!]!,
    world.nodes[names[1]!]!,
    {
      limits,
      mode,
    },
  );
  return { ...world, sender: run.initiator, receiver: run.responder, run };
}

describe('session frames', () => {
  it('carry the documented header and overhead', async () => {
    const { sender } = await pair();
    const frame = sender.seal(text('hello'));
    expect(frame.length).toBe(FRAME_OVERHEAD + 5);
    expect([...frame.subarray(0, 2)]).toEqual([1, 0x10]);
    expect(Buffer.from(frame.subarray(2, 6)).readUInt32BE()).toBe(sender.id);
    expect(Buffer.from(frame.subarray(10, FRAME_HEADER_LENGTH)).readBigUInt64BE()).toBe(0n);
  });

  it('flipping any single bit of 10,000 random messages is rejected 100% of the time', async () => {
    const { sender, receiver } = await pair();
    let rejectedCount = 0;
    let total = 0;
    const rng = fc.sample(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 96 }), fc.nat(), fc.nat()), {
      numRuns: 10_000,
      seed: 42,
    });
    for (const [plaintext, bytePick, bitPick] of rng) {
      const frame = sender.seal(plaintext);
      const index = bytePick % frame.length;
      const forged = Uint8Array.from(frame);
      forged[index]! ^= 1 << (bitPick % 8);
      total++;
      try {
        receiver.open(forged);
      } catch (error) {
        expect(error).toBeInstanceOf(MessagingError);
        rejectedCount++;
      }
      // the honest frame still opens: the forgery moved no state
      expect(receiver.open(frame).data).toEqual(plaintext);
    }
    expect(total).toBe(10_000);
    expect(rejectedCount).toBe(10_000);
  });

  it('covers every region: header, nonce fields, tag and ciphertext', async () => {
    const { sender, receiver } = await pair();
    const frame = sender.seal(text('0123456789'));
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const forged = Uint8Array.from(frame);
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => receiver.open(forged), `bit ${bit}`).toThrow(MessagingError);
    }
    expect(read(receiver.open(frame).data)).toBe('0123456789');
  });

  it('never releases plaintext of a forged frame, and never throws anything untyped', async () => {
    const { sender, receiver } = await pair();
    const frame = sender.seal(text('secret'));
    const truncated = [
      frame.subarray(0, 10),
      frame.subarray(0, FRAME_OVERHEAD - 1),
      frame.subarray(0, frame.length - 1),
    ];
    for (const bytes of truncated) expect(() => receiver.open(bytes)).toThrow(MessagingError);
    expect(thrown(() => receiver.open('nope' as never)).code).toBe('ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE');
  });
});

describe('replay window (RFC 6479)', () => {
  it('rejects a duplicate', async () => {
    const { sender, receiver } = await pair();
    const frame = sender.seal(text('once'));
    receiver.open(frame);
    const error = thrown(() => receiver.open(frame));
    expect(error).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE', reason: 'duplicate' });
  });

  it('accepts reordering within the window and rejects frames behind it', async () => {
    const { sender, receiver } = await pair({ replayWindow: 64 });
    const frames = Array.from({ length: 200 }, (_, i) => sender.seal(text(`m${i}`)));
    receiver.open(frames[100]!);
    for (const i of [99, 50, 60, 101, 70]) expect(read(receiver.open(frames[i]!).data)).toBe(`m${i}`);
    const error = thrown(() => receiver.open(frames[2]!));
    expect(error).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE', reason: 'behind-window' });
    for (const i of [101, 70])
      expect(thrown(() => receiver.open(frames[i]!)).code).toBe('ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE');
  });

  it('with the default window of 2048, a frame 2047 behind opens and one 2048 behind is refused', async () => {
    const { sender, receiver } = await pair();
    const frames = Array.from({ length: 4100 }, (_, i) => sender.seal(text(`m${i}`)));
    receiver.open(frames[4099]!);
    expect(read(receiver.open(frames[4099 - 2047]!).data)).toBe(`m${4099 - 2047}`);
    for (const behind of [2048, 2049, 4063]) {
      expect(
        thrown(() => receiver.open(frames[4099 - behind]!)),
        `${behind} behind`,
      ).toMatchObject({
        code: 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
        reason: 'behind-window',
      });
    }
  });

  it('a forged frame with a high counter does not advance the window', async () => {
    const { sender, receiver } = await pair({ replayWindow: 64 });
    const frames = Array.from({ length: 5 }, () => sender.seal(text('x')));
    receiver.open(frames[0]!);
    const forged = Uint8Array.from(frames[1]!);
    forged.set([0, 0, 0, 0, 0, 0x10, 0, 0], 10); // counter 2^20, not authenticated
    expect(thrown(() => receiver.open(forged)).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
    for (const frame of frames.slice(1)) expect(receiver.open(frame).kind).toBe('data');
  });

  it('property: any delivery order delivers each frame at most once, and every fresh in-window frame exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 80 }), async (order) => {
        const fresh = await pair({ replayWindow: 64 });
        const delivered = new Set<string>();
        const copies = Array.from({ length: 40 }, (_, i) => fresh.sender.seal(text(`${i}`)));
        for (const index of order) {
          try {
            const opened = fresh.receiver.open(copies[index]!);
            const value = read(opened.data);
            expect(delivered.has(value)).toBe(false);
            delivered.add(value);
          } catch (error) {
            expect((error as { code: string }).code).toBe('ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE');
          }
        }
        expect(delivered.size).toBe(new Set(order).size);
      }),
      { numRuns: 15 },
    );
  });
});

describe('isolation between sessions, directions and epochs', () => {
  it('a frame is never accepted by a different session', async () => {
    const a = await pair();
    const b = await pair(undefined, 'datagram', ['alice', 'bob']);
    const frame = a.sender.seal(text('for a'));
    expect(thrown(() => b.receiver.open(frame)).code).toMatch(/UNKNOWN_SESSION|AUTHENTICATION_FAILED/);
    // even with the session id rewritten to match, the key differs
    const relabelled = Uint8Array.from(frame);
    relabelled.set(Buffer.alloc(4).fill(0), 2);
    Buffer.from(relabelled.buffer).writeUInt32BE(b.receiver.id, 2);
    expect(thrown(() => b.receiver.open(relabelled)).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
  });

  it('a frame is never accepted in the other direction', async () => {
    const { sender } = await pair();
    expect(thrown(() => sender.open(sender.seal(text('echo')))).code).toBe(
      'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
    );
  });

  it('rekeys every N messages; old-epoch frames are refused after the rekey', async () => {
    const { sender, receiver } = await pair({ rekeyAfterMessages: 3 });
    const frames = Array.from({ length: 7 }, (_, i) => sender.seal(text(`${i}`)));
    expect(sender.stats().sendEpoch).toBe(2);
    receiver.open(frames[0]!);
    receiver.open(frames[3]!); // epoch 1: the receiver ratchets after authenticating it
    expect(receiver.stats().receiveEpoch).toBe(1);
    expect(thrown(() => receiver.open(frames[1]!))).toMatchObject({
      code: 'ERR_PALISADE_MESSAGING_STALE_EPOCH',
      epoch: 0,
    });
    expect(read(receiver.open(frames[6]!).data)).toBe('6');
  });

  it('rekeys after T on the injected clock', async () => {
    const { sender, receiver, clock } = await pair({ rekeyAfter: 1_000 });
    receiver.open(sender.seal(text('a')));
    await clock.advance(1_000);
    const later = sender.seal(text('b'));
    expect(sender.stats().sendEpoch).toBe(1);
    expect(read(receiver.open(later).data)).toBe('b');
  });

  it('refuses an epoch too far ahead without trying to ratchet to it', async () => {
    const { sender, receiver } = await pair({ rekeyAfterMessages: 1 });
    const frames = Array.from({ length: MAX_EPOCH_SKIP + 3 }, () => sender.seal(text('x')));
    expect(thrown(() => receiver.open(frames.at(-1)!)).code).toBe('ERR_PALISADE_MESSAGING_STALE_EPOCH');
    expect(receiver.open(frames[MAX_EPOCH_SKIP]!).epoch).toBe(MAX_EPOCH_SKIP);
  });

  it('expires after rejectAfter and rejectAfterMessages', async () => {
    const { sender, receiver, clock } = await pair({ rehandshakeAfter: 500, rejectAfter: 1_000 });
    const frame = sender.seal(text('late'));
    expect(sender.needsRehandshake).toBe(false);
    await clock.advance(500);
    expect(sender.needsRehandshake).toBe(true);
    await clock.advance(500);
    expect(thrown(() => receiver.open(frame))).toMatchObject({
      code: 'ERR_PALISADE_MESSAGING_SESSION_EXPIRED',
      reason: 'time',
    });
    expect(thrown(() => sender.seal(text('x'))).code).toBe('ERR_PALISADE_MESSAGING_SESSION_EXPIRED');
    const counted = await pair({ rehandshakeAfterMessages: 2, rejectAfterMessages: 3 });
    for (let i = 0; i < 3; i++) counted.sender.seal(text('x'));
    expect(thrown(() => counted.sender.seal(text('x')))).toMatchObject({ reason: 'messages' });
  });

  it('reports every rejection on onReject, for monitors', async () => {
    const { sender, receiver } = await pair();
    const codes: string[] = [];
    receiver.onReject(({ error }) => codes.push(error.code));
    const frame = sender.seal(text('x'));
    receiver.open(frame);
    expect(() => receiver.open(frame)).toThrow();
    expect(() => receiver.open(new Uint8Array(3))).toThrow();
    expect(codes).toEqual(['ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE', 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE']);
    expect(receiver.stats().rejected).toBe(2);
  });
});

describe('ordered-stream mode', () => {
  it('delivers in order and ends with an authenticated FINAL', async () => {
    const { sender, receiver } = await pair(undefined, 'stream');
    const frames = [sender.seal(text('a')), sender.seal(text('b')), sender.end(text('c'))];
    expect(frames.map((f) => receiver.open(f).kind)).toEqual(['data', 'data', 'final']);
    expect(receiver.ended).toBe(true);
    expect(() => receiver.assertStreamComplete()).not.toThrow();
    expect(thrown(() => sender.seal(text('after'))).code).toBe('ERR_PALISADE_MESSAGING_SESSION_CLOSED');
  });

  it('detects truncation: dropping the FINAL (or the tail) is an error', async () => {
    const { sender, receiver } = await pair(undefined, 'stream');
    receiver.open(sender.seal(text('a')));
    sender.end();
    expect(thrown(() => receiver.assertStreamComplete())).toMatchObject({
      code: 'ERR_PALISADE_MESSAGING_STREAM_TRUNCATED',
      framesReceived: 1,
    });
  });

  it('refuses gaps, reordering and replays', async () => {
    const { sender, receiver } = await pair(undefined, 'stream');
    const [a, b, c] = [sender.seal(text('a')), sender.seal(text('b')), sender.seal(text('c'))];
    expect(thrown(() => receiver.open(b)).code).toBe('ERR_PALISADE_MESSAGING_OUT_OF_ORDER');
    receiver.open(a);
    expect(thrown(() => receiver.open(a)).code).toBe('ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE');
    expect(thrown(() => receiver.open(c)).code).toBe('ERR_PALISADE_MESSAGING_OUT_OF_ORDER');
    receiver.open(b);
    receiver.open(c);
  });

  it('a FINAL cannot be forged from a data frame (the type is in the nonce)', async () => {
    const { sender, receiver } = await pair(undefined, 'stream');
    const frame = sender.seal(text('a'));
    frame[1] = 0x12;
    expect(thrown(() => receiver.open(frame)).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
    expect(receiver.ended).toBe(false);
  });

  it('refuses frames of the other mode', async () => {
    const { sender } = await pair(undefined, 'datagram');
    const stream = await pair(undefined, 'stream');
    expect(thrown(() => stream.receiver.open(sender.seal(text('x')))).code).toBe(
      'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
    );
  });
});

describe('frames sealed from the wire format alone', () => {
  const receiveKey = new Uint8Array(32).fill(0x42);
  const sessionId = 0x0a0b0c0d;
  function receiver(clock = new VirtualClock()) {
    return new Session(
      {
        role: 'responder',
        sessionId,
        sendKey: new Uint8Array(32).fill(0x24),
        receiveKey: Uint8Array.from(receiveKey),
        mode: 'datagram',
        localNodeId: 'bob',
        peer: { nodeId: 'alice', epoch: 1 },
        transcriptHash: new Uint8Array(64),
      },
      clock,
      defaultSessionLimits,
    );
  }
  const seal = (type: number, counter: number, plaintext: Uint8Array = new Uint8Array(0)) =>
    sealFrame(receiveKey, { type, sessionId, epoch: 0, counter, direction: 0 }, plaintext);

  it('an authentic KEEPALIVE with data is refused before decryption, and changes nothing', () => {
    const session = receiver();
    const reported: string[] = [];
    session.onReject(({ error }) => reported.push(error.code));
    expect(session.open(seal(MessageType.keepalive, 0)).kind).toBe('keepalive');
    const error = thrown(() => session.open(seal(MessageType.keepalive, 1, text('smuggled'))));
    expect(error).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE', reason: 'bad-length' });
    expect(reported).toEqual(['ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE']);
    // Counter 1 was not consumed: an empty KEEPALIVE under it still opens.
    expect(session.open(seal(MessageType.keepalive, 1))).toMatchObject({ kind: 'keepalive', counter: 1 });
    expect(session.stats()).toMatchObject({ received: 2, rejected: 1 });
  });

  it('the counter limit is the documented one: below rejectAfterMessages (2^52 by default) opens, from it up is refused', () => {
    expect(defaultSessionLimits.rejectAfterMessages).toBe(2 ** 52);
    const session = receiver();
    expect(read(session.open(seal(MessageType.data, 2 ** 52 - 1, text('last'))).data)).toBe('last');
    for (const counter of [2 ** 52, 2 ** 53 - 1]) {
      expect(
        thrown(() => session.open(seal(MessageType.data, counter, text('x')))),
        `${counter}`,
      ).toMatchObject({
        code: 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE',
        reason: 'counter-out-of-range',
      });
    }
  });
});
