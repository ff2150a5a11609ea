import { EventEmitter } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import type { ChannelRejectEvent } from './channel-events.js';
import type { ConnectOptions } from './channel-options.js';
import { makeWorld, read, rejected, text } from './fixtures.test-util.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import { HandshakeResponder } from './handshake-responder.js';
import { createMemoryLink, type MemoryLinkOptions } from './memory-transport.js';
import { accept, connect } from './secure-channel.js';
import type { Transport } from './transport.js';
import { MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;

/** Lets microtasks and async crypto settle without moving virtual time. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

function open(
  names = ['alice', 'bob'],
  intercept?: MemoryLinkOptions['intercept'],
  extra: Partial<Pick<ConnectOptions, 'mode' | 'limits' | 'maxQueuedSends'>> = {},
) {
  const world = makeWorld(names);
  const [aEnd, bEnd] = createMemoryLink({ intercept });
  // The mode is the initiator's to choose; the responder follows.
  const { mode, ...both } = extra;
  const common = { directory: world.directory, clock: world.clock, crypto, ...both };
  const server = accept(bEnd, { ...common, identity: world.nodes[names[1]!]! });
  const client = connect(aEnd, { ...common, identity: world.nodes[names[0]!]!, peer: names[1]!, mode });
  const rejections: ChannelRejectEvent[] = [];
  server.onReject((event) => rejections.push(event));
  client.onReject((event) => rejections.push(event));
  return { ...world, client, server, rejections, aEnd, bEnd };
}

/** Like many socket libraries: each message is handed over as a view of one buffer, overwritten once the listener returns. */
function reusingReceiveBuffer(inner: Transport): Transport {
  const buffer = new Uint8Array(4096);
  const received = new EventEmitter<Uint8Array>();
  inner.onReceive((bytes) => {
    buffer.set(bytes);
    received.emit(buffer.subarray(0, bytes.length));
    buffer.fill(0xee);
  });
  return {
    send: (bytes) => inner.send(bytes),
    onReceive: received.addListener,
    onClose: inner.onClose,
    close: () => inner.close(),
  };
}

describe('SecureChannel', () => {
  it('connects two nodes over an in-memory link and carries messages both ways', async () => {
    const { client, server } = open();
    const got: string[] = [];
    server.onMessage((data) => got.push(`server got ${read(data)}`));
    client.onMessage((data) => got.push(`client got ${read(data)}`));
    await Promise.all([client.ready, server.ready]);
    expect(server.peer).toEqual({ nodeId: 'alice', epoch: 1 });
    client.send(text('ping'));
    await settle();
    server.send(text('pong'));
    await settle();
    expect(got).toEqual(['server got ping', 'client got pong']);
  });

  it('completes the handshake over a lossy link by retrying on the virtual clock', async () => {
    const dropped = new Set<number>();
    // drop the first HELLO and the first FINISH
    const { client, server, clock } = open(['alice', 'bob'], (bytes) => {
      const type = bytes[1] as number;
      if ((type === MessageType.hello || type === MessageType.finish) && !dropped.has(type)) {
        dropped.add(type);
        return undefined;
      }
      return bytes;
    });
    await settle();
    await clock.advance(5_000);
    await settle();
    await clock.advance(5_000);
    await settle();
    await expect(client.ready).resolves.toBe(client);
    await expect(server.ready).resolves.toBe(server);
  });

  it('reports tampered and replayed frames as rejections, and still delivers the honest ones', async () => {
    const captured: Uint8Array[] = [];
    const { client, server, rejections } = open(['alice', 'bob'], (bytes, from) => {
      if (from !== 'a' || bytes[1] !== MessageType.data) return bytes;
      captured.push(bytes);
      if (captured.length === 2) {
        const forged = Uint8Array.from(bytes);
        forged[forged.length - 1]! ^= 1;
        return [forged, bytes];
      }
      if (captured.length === 3) return [bytes, captured[0]!];
      return bytes;
    });
    const got: string[] = [];
    server.onMessage((data) => got.push(read(data)));
    await Promise.all([client.ready, server.ready]);
    for (const word of ['one', 'two', 'three']) client.send(text(word));
    await settle();
    expect(got).toEqual(['one', 'two', 'three']);
    expect(rejections.map((r) => `${r.stage} ${r.error.code}`)).toEqual([
      'frame ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      'frame ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
    ]);
    expect(server.stats()).toMatchObject({ received: 3, rejected: 2 });
  });

  it('a replayed FINISH is reported every time, and re-confirmed at most once per handshakeRetry', async () => {
    let finish: Uint8Array | undefined;
    let keepalives = 0;
    const { client, server, clock, rejections, aEnd } = open(['alice', 'bob'], (bytes, from) => {
      if (from === 'a' && bytes[1] === MessageType.finish) finish ??= bytes;
      if (from === 'b' && bytes[1] === MessageType.keepalive) keepalives++;
      return bytes;
    });
    await Promise.all([client.ready, server.ready]);
    expect(keepalives).toBe(1);
    // The attacker injects copies of the captured FINISH on the wire towards bob.
    const replay = async (times: number) => {
      for (let i = 0; i < times; i++) aEnd.send(finish!);
      await settle();
    };
    await replay(5);
    expect(rejections.map((r) => `${r.stage} ${r.error.code}`)).toEqual(
      Array(5).fill('handshake ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE'),
    );
    expect(keepalives).toBe(1);
    await clock.advance(4_999);
    await replay(1);
    expect(keepalives).toBe(1);
    await clock.advance(1);
    await replay(3);
    expect(keepalives).toBe(2);
    expect(rejections).toHaveLength(9);
    expect(server.stats()).toMatchObject({ rejected: 9, handshakes: 1 });
  });

  it('works over a transport that reuses its receive buffer for the next message', async () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd, bEnd] = createMemoryLink();
    const common = { directory: world.directory, clock: world.clock, crypto };
    const server = accept(reusingReceiveBuffer(bEnd), { ...common, identity: world.nodes.bob! });
    const client = connect(reusingReceiveBuffer(aEnd), { ...common, identity: world.nodes.alice!, peer: 'bob' });
    const rejections: string[] = [];
    server.onReject(({ error }) => rejections.push(error.code));
    client.onReject(({ error }) => rejections.push(error.code));
    const got: string[] = [];
    server.onMessage((data) => got.push(read(data)));
    await settle();
    expect(rejections).toEqual([]);
    expect([client.stats().handshakes, server.stats().handshakes]).toEqual([1, 1]);
    for (const word of ['one', 'two', 'three']) client.send(text(word));
    await settle();
    expect(got).toEqual(['one', 'two', 'three']);
    expect(rejections).toEqual([]);
  });

  it('re-handshakes before the session expires, with no interruption', async () => {
    const limits = { rehandshakeAfter: 1_000, rejectAfter: 2_000 };
    const { client, server, clock } = open(['alice', 'bob'], undefined, { limits });
    const got: string[] = [];
    server.onMessage((data) => got.push(read(data)));
    let rehandshakes = 0;
    server.onRehandshake(() => rehandshakes++);
    await Promise.all([client.ready, server.ready]);
    const firstSession = client.session!.id;
    for (let step = 1; step <= 5; step++) {
      await clock.advance(500);
      await settle();
      client.send(text(`t${step}`));
      await settle();
    }
    expect(got).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(rehandshakes).toBeGreaterThanOrEqual(2);
    expect(client.session!.id).not.toBe(firstSession);
    expect(client.closed).toBe(false);
  });

  it('stats().rekeys counts the send-key ratchets of every session, kept across re-handshakes and close', async () => {
    const limits = { rekeyAfterMessages: 2, rehandshakeAfter: 1_000, rejectAfter: 2_000 };
    const { client, server, clock } = open(['alice', 'bob'], undefined, { limits });
    await Promise.all([client.ready, server.ready]);
    for (let i = 0; i < 6; i++) await client.send(text(`m${i}`));
    const first = client.session!.stats().sendEpoch;
    expect(first).toBeGreaterThanOrEqual(2);
    expect(client.stats().rekeys).toBe(first);
    await clock.advance(1_000);
    await settle();
    expect(client.stats().handshakes).toBe(2);
    for (let i = 0; i < 6; i++) await client.send(text(`n${i}`));
    const second = client.session!.stats().sendEpoch;
    expect(second).toBeGreaterThanOrEqual(2);
    expect(client.stats().rekeys).toBe(first + second);
    await client.close();
    expect(client.stats().rekeys).toBe(first + second);
  });

  it('closes when the peer key is revoked, and the revoked node cannot reconnect', async () => {
    const { client, server, directory, clock, nodes } = open();
    await Promise.all([client.ready, server.ready]);
    const closes: string[] = [];
    server.onClose(({ error }) => closes.push(error?.code ?? 'none'));
    directory.revoke('alice', { reason: 'branch A compromised' });
    expect(closes).toEqual(['ERR_PALISADE_MESSAGING_KEY_REVOKED']);
    expect(client.closed).toBe(true);
    const [aEnd, bEnd] = createMemoryLink();
    const common = { directory, clock, crypto, handshakeTimeout: 10_000 };
    const again = accept(bEnd, { ...common, identity: nodes.bob!, handshakeTimeout: 60_000 });
    const refused: string[] = [];
    again.onReject(({ error }) => refused.push(error.code));
    const retry = connect(aEnd, { ...common, identity: nodes.alice!, peer: 'bob' });
    await settle();
    expect(refused).toContain('ERR_PALISADE_MESSAGING_KEY_REVOKED');
    const outcome = retry.ready.catch((error: { code: string }) => error.code);
    await clock.advance(10_000);
    // bob tells the refused node nothing; it simply never gets a session
    expect(await outcome).toBe('ERR_PALISADE_DEADLINE_EXCEEDED');
    expect(again.stats().handshakes).toBe(0);
  });

  it('stream mode: FINAL ends the stream; a closed transport without FINAL is truncation', async () => {
    const { client, server } = open(['alice', 'bob'], undefined, { mode: 'stream' });
    const events: string[] = [];
    server.onMessage((data) => events.push(read(data)));
    server.onEnd(() => events.push('end'));
    await Promise.all([client.ready, server.ready]);
    client.send(text('a'));
    client.end(text('b'));
    await settle();
    expect(events).toEqual(['a', 'b', 'end']);

    const second = open(['alice', 'bob'], undefined, { mode: 'stream' });
    await Promise.all([second.client.ready, second.server.ready]);
    const closes: string[] = [];
    second.server.onClose(({ error }) => closes.push(error?.code ?? 'none'));
    second.client.send(text('a'));
    await settle();
    second.client.close();
    await settle();
    expect(closes).toEqual(['ERR_PALISADE_MESSAGING_STREAM_TRUNCATED']);
  });

  it('times out on the injected clock when nobody answers', async () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd] = createMemoryLink();
    const channel = connect(aEnd, {
      directory: world.directory,
      clock: world.clock,
      crypto,
      identity: world.nodes.alice!,
      peer: 'bob',
      handshakeTimeout: 20_000,
    });
    const outcome = channel.ready.catch((error: { code: string }) => error.code);
    await world.clock.advance(20_000);
    expect(await outcome).toBe('ERR_PALISADE_DEADLINE_EXCEEDED');
    expect(channel.closed).toBe(true);
  });

  it('rejects send after close with a typed error', async () => {
    const { client } = open();
    await client.close();
    await expect(client.send(text('late'))).rejects.toMatchObject({ code: 'ERR_PALISADE_MESSAGING_SESSION_CLOSED' });
  });

  describe('close', () => {
    it('is idempotent: one promise, one onClose, and the channel lets go of its timers and keys', async () => {
      const { client, server, clock } = open();
      await Promise.all([client.ready, server.ready]);
      const session = client.session!;
      const closes: unknown[] = [];
      client.onClose(({ error }) => closes.push(error));
      const first = client.close();
      expect(client.close()).toBe(first);
      await first;
      expect(closes).toEqual([undefined]);
      expect(session.closed).toBe(true);
      await settle();
      // The memory link closed at both ends, so the server closed as well.
      expect(server.closed).toBe(true);
      expect(clock.pendingTimers).toBe(0);
    });

    it('waits for a transport whose close settles later', async () => {
      const world = makeWorld(['alice', 'bob']);
      const [aEnd] = createMemoryLink();
      let finishClosing!: () => void;
      const slow: Transport = {
        send: (bytes) => aEnd.send(bytes),
        onReceive: aEnd.onReceive,
        onClose: aEnd.onClose,
        close: () => new Promise<void>((resolve) => (finishClosing = resolve)),
      };
      const client = connect(slow, {
        directory: world.directory,
        clock: world.clock,
        crypto,
        identity: world.nodes.alice!,
        peer: 'bob',
      });
      let closed = false;
      const closing = client.close().then(() => (closed = true));
      await settle();
      expect(closed).toBe(false);
      finishClosing();
      await closing;
      expect(closed).toBe(true);
    });

    it('Symbol.asyncDispose closes the channel', async () => {
      const { client, server } = open();
      await Promise.all([client.ready, server.ready]);
      await client[Symbol.asyncDispose]();
      expect(client.closed).toBe(true);
    });
  });

  it('a channel whose signal has already aborted is closed at once and holds nothing', async () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd, bEnd] = createMemoryLink();
    const common = { directory: world.directory, clock: world.clock, crypto, signal: AbortSignal.abort() };
    const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
    const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
    expect([client.closed, server.closed]).toEqual([true, true]);
    expect((await rejected(server.ready)).code).toBe('ERR_PALISADE_CANCELLED');
    expect(world.clock.pendingTimers).toBe(0);
    // Its subscriptions were disposed: a message for it changes nothing.
    const rejections: string[] = [];
    server.onReject(({ error }) => rejections.push(error.code));
    aEnd.send(Uint8Array.of(1));
    await settle();
    expect(rejections).toEqual([]);
  });

  it('a RESPONSE injected before the HELLO is even made is refused, and the real handshake still completes', async () => {
    const world = makeWorld(['alice', 'bob']);
    const other = new HandshakeInitiator({
      directory: world.directory,
      clock: world.clock,
      crypto,
      identity: world.nodes.alice!,
      peer: 'bob',
    });
    const response = await new HandshakeResponder({
      directory: world.directory,
      clock: world.clock,
      crypto,
      identity: world.nodes.bob!,
    }).receiveHello(await other.start());
    const [aEnd, bEnd] = createMemoryLink();
    // WebCrypto makes the HELLO's key on another thread, so the message below
    // lands while the HELLO is still being made.
    const common = { directory: world.directory, clock: world.clock, crypto: 'native' as const };
    const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
    const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
    const rejections: string[] = [];
    client.onReject(({ error, stage }) => rejections.push(`${stage} ${error.message}`));
    bEnd.send(response);
    await Promise.all([client.ready, server.ready]);
    expect(rejections).toEqual([expect.stringMatching(/^handshake .*still making its HELLO/)]);
    expect(client.closed).toBe(false);
  });
});
