import { describe, expect, it } from 'vitest';
import { issueToken } from './capability-token.js';
import type { ChannelFrameEvent, ChannelRejectEvent } from './channel-events.js';
import type { ConnectOptions } from './channel-options.js';
import { MessagingError } from './errors.js';
import { makeWorld, read, text } from './fixtures.test-util.js';
import { createMemoryLink } from './memory-transport.js';
import { sealTo } from './sealed-box.js';
import { accept, connect } from './secure-channel.js';
import { MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const writeU32 = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value);

/** A channel pair whose server reports, in one log, each frame verdict, message and rejection as it happens. */
async function watched(extra: Partial<Pick<ConnectOptions, 'mode' | 'limits'>> = {}) {
  const world = makeWorld(['alice', 'bob']);
  const fromClient: Uint8Array[] = [];
  const [aEnd, bEnd] = createMemoryLink({
    intercept: (bytes, from) => {
      if (from === 'a' && bytes[1]! >= MessageType.data && bytes[1]! <= MessageType.keepalive) fromClient.push(bytes);
      return bytes;
    },
  });
  const { mode, ...both } = extra;
  const common = { directory: world.directory, clock: world.clock, crypto, ...both };
  const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
  const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob', mode });
  const frames: ChannelFrameEvent[] = [];
  const rejections: ChannelRejectEvent[] = [];
  const log: string[] = [];
  server.onFrame((event) => {
    frames.push(event);
    log.push(
      event.verdict === 'accepted' ? `frame ${event.kind} ${read(event.data)}` : `frame refused ${event.error.code}`,
    );
  });
  server.onMessage((data) => log.push(`message ${read(data)}`));
  server.onReject((event) => {
    rejections.push(event);
    log.push(`reject ${event.stage} ${event.error.code}`);
  });
  await Promise.all([client.ready, server.ready]);
  /** Puts bytes on the wire towards the server, as an attacker would. */
  const inject = async (bytes: Uint8Array) => {
    aEnd.send(bytes);
    await settle();
  };
  return { ...world, client, server, frames, rejections, log, fromClient, inject };
}

/** Every frame-stage rejection also came as a rejected frame event, with the same error, just before it. */
function expectFrameEventsMatchRejections(frames: ChannelFrameEvent[], rejections: ChannelRejectEvent[]) {
  const refusedFrames = frames.filter((event) => event.verdict === 'rejected');
  const frameStage = rejections.filter((event) => event.stage === 'frame');
  expect(refusedFrames.map((event) => event.verdict === 'rejected' && event.error)).toEqual(
    frameStage.map((event) => event.error),
  );
}

describe('onFrame: each received frame with its verdict', () => {
  it('reports accepted frames with their kind and plaintext, before onMessage', async () => {
    const { client, frames, log } = await watched();
    await client.send(text('pay 5'));
    await settle();
    expect(log).toEqual(['frame data pay 5', 'message pay 5']);
    const [accepted] = frames;
    expect(accepted).toMatchObject({ verdict: 'accepted', kind: 'data' });
    expect(accepted!.bytes[1]).toBe(MessageType.data);
  });

  it('the initiator sees the confirming KEEPALIVE as an accepted keepalive frame', async () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd, bEnd] = createMemoryLink();
    const common = { directory: world.directory, clock: world.clock, crypto };
    accept(bEnd, { ...common, identity: world.nodes.bob! });
    const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
    const kinds: string[] = [];
    client.onFrame((event) => kinds.push(`${event.verdict} ${event.verdict === 'accepted' ? event.kind : ''}`));
    await client.ready;
    expect(kinds).toEqual(['accepted keepalive']);
  });

  it('stream mode: DATA as `data`, FINAL as `final`', async () => {
    const { client, log } = await watched({ mode: 'stream' });
    await client.send(text('a'));
    await client.end(text('b'));
    await settle();
    expect(log).toEqual(['frame data a', 'message a', 'frame final b', 'message b']);
  });

  it('reports every way a non-handshake message is refused, before onReject, with the same error', async () => {
    const { client, frames, rejections, fromClient, inject, log, nodes } = await watched({
      limits: { replayWindow: 32 },
    });
    for (let i = 0; i < 40; i++) await client.send(text(`m${i}`));
    await settle();
    const honest = fromClient.at(-1)!;
    const early = fromClient.find((frame) => frame[1] === MessageType.data)!;
    const variant = (edit: (copy: Uint8Array) => void) => {
      const copy = Uint8Array.from(honest);
      edit(copy);
      return copy;
    };
    log.length = 0;
    const cases: [string, Uint8Array, string, string | undefined][] = [
      ['one byte', Uint8Array.of(1), 'MALFORMED_MESSAGE', undefined],
      ['another wire version', Uint8Array.of(2, MessageType.data, 0, 0), 'UNSUPPORTED_VERSION', 'data'],
      ['an unknown type', Uint8Array.of(1, 0x7f), 'MALFORMED_MESSAGE', undefined],
      ['a sealed box', sealTo(nodes.bob!.publicIdentity, text('hi')), 'UNEXPECTED_MESSAGE', undefined],
      ['a token', issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'] }), 'UNEXPECTED_MESSAGE', undefined],
      ['a frame too short for a session id', Uint8Array.of(1, MessageType.data, 0, 0), 'MALFORMED_MESSAGE', 'data'],
      ['an unknown session', variant((copy) => writeU32(copy, 2, 0xdeadbeef ^ 1)), 'UNKNOWN_SESSION', 'data'],
      ['a truncated frame', honest.subarray(0, 20), 'MALFORMED_MESSAGE', 'data'],
      [
        'a received frame with a flipped bit',
        variant((copy) => (copy[copy.length - 1]! ^= 1)),
        'REPLAYED_MESSAGE',
        'data',
      ],
      ['a forged counter', variant((copy) => writeU32(copy, 14, 1_000)), 'AUTHENTICATION_FAILED', 'data'],
      ['a duplicate', honest, 'REPLAYED_MESSAGE', 'data'],
      ['a frame behind the window', early, 'REPLAYED_MESSAGE', 'data'],
      ['an epoch too far ahead', variant((copy) => writeU32(copy, 6, 9)), 'STALE_EPOCH', 'data'],
      ['a counter out of range', variant((copy) => writeU32(copy, 10, 2 ** 21)), 'MALFORMED_MESSAGE', 'data'],
      [
        'a STREAM frame in datagram mode',
        variant((copy) => (copy[1] = MessageType.stream)),
        'UNEXPECTED_MESSAGE',
        'data',
      ],
      ['a KEEPALIVE with data', variant((copy) => (copy[1] = MessageType.keepalive)), 'MALFORMED_MESSAGE', 'keepalive'],
    ];
    for (const [what, bytes] of cases) {
      const before = frames.length;
      await inject(bytes);
      expect(frames.length - before, what).toBe(1);
    }
    const refused = frames.slice(-cases.length);
    expect(
      refused.map((event) => [
        event.verdict,
        event.verdict === 'rejected' && event.error.code,
        event.verdict === 'rejected' && event.claimedKind,
      ]),
    ).toEqual(cases.map(([, , code, kind]) => ['rejected', `ERR_PALISADE_MESSAGING_${code}`, kind]));
    for (const [index, event] of refused.entries()) {
      expect(event.bytes, cases[index]![0]).toEqual(cases[index]![1]);
      expect(event.verdict === 'rejected' && event.error).toBeInstanceOf(MessagingError);
    }
    // Each verdict comes just before its onReject.
    expect(log).toEqual(
      cases.flatMap(([, , code]) => [
        `frame refused ERR_PALISADE_MESSAGING_${code}`,
        `reject frame ERR_PALISADE_MESSAGING_${code}`,
      ]),
    );
    expectFrameEventsMatchRejections(frames, rejections);
  });

  it('stream mode: a frame out of order and a frame after FINAL are refused frames too', async () => {
    const { client, frames, rejections, fromClient, inject } = await watched({ mode: 'stream' });
    await client.send(text('a'));
    await client.send(text('b'));
    await client.end(text('c'));
    await settle();
    const [first, , final] = fromClient.filter((frame) => frame[1] !== MessageType.keepalive);
    await inject(first!);
    await inject(final!);
    const codes = frames
      .filter((event) => event.verdict === 'rejected')
      .map((event) => event.verdict === 'rejected' && event.error.code);
    expect(codes).toEqual(['ERR_PALISADE_MESSAGING_SESSION_CLOSED', 'ERR_PALISADE_MESSAGING_SESSION_CLOSED']);
    expectFrameEventsMatchRejections(frames, rejections);

    const second = await watched({ mode: 'stream' });
    await second.client.send(text('a'));
    await second.client.send(text('b'));
    await settle();
    const [, b] = second.fromClient.filter((frame) => frame[1] === MessageType.stream);
    const skipped = Uint8Array.from(b!);
    writeU32(skipped, 14, 5);
    await second.inject(skipped);
    expect(second.frames.at(-1)).toMatchObject({
      verdict: 'rejected',
      claimedKind: 'data',
      error: { code: 'ERR_PALISADE_MESSAGING_OUT_OF_ORDER' },
    });
    expectFrameEventsMatchRejections(second.frames, second.rejections);
  });

  it('handshake messages and transport faults are not frames: no frame event for them', async () => {
    const { frames, rejections, inject, server } = await watched();
    const before = frames.length;
    await inject(Uint8Array.of(1, MessageType.finish, 0, 0));
    await inject(Uint8Array.of(1, MessageType.response, 0, 0));
    expect(rejections.map((event) => event.stage)).toEqual(['handshake', 'handshake']);
    expect(frames.length).toBe(before);
    expect(server.closed).toBe(false);
  });

  it('a transport that delivers something other than bytes: a transport-stage rejection, no frame event', async () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd, bEnd] = createMemoryLink({ intercept: () => [{ not: 'bytes' } as never] });
    const server = accept(bEnd, { directory: world.directory, clock: world.clock, crypto, identity: world.nodes.bob! });
    const frames: ChannelFrameEvent[] = [];
    const rejections: ChannelRejectEvent[] = [];
    server.onFrame((event) => frames.push(event));
    server.onReject((event) => rejections.push(event));
    aEnd.send(text('anything'));
    await settle();
    expect(rejections.map((event) => `${event.stage} ${event.error.code}`)).toEqual([
      'transport ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE',
    ]);
    expect(frames).toEqual([]);
  });
});
