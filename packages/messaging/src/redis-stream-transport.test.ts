import { CancelledError, InvalidOptionError } from '@palisade/core';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../scripts/lib/redis-test.ts';
import type { ChannelRejectEvent as RejectionEvent } from './channel-events.js';
import { OutOfOrderError, ReplayedMessageError, StreamTruncatedError } from './errors.js';
import { dialRedis, RedisInbox } from './redis-inbox.js';
import {
  aliceAndBob,
  decode,
  encode,
  eventually,
  killClient,
  testClient,
  testConnection,
} from './redis-link.test-util.js';
import { LinkConflictError, LinkUnavailableError, StreamGapError } from './redis-link-errors.js';
import { RedisStreamTransport } from './redis-stream-transport.js';
import { accept, connect, type SecureChannel } from './secure-channel.js';

const PREFIX = 'palisade:messaging:';

interface Pair {
  readonly atAlice: SecureChannel;
  readonly atBob: SecureChannel;
  readonly aliceEnd: RedisStreamTransport;
  readonly bobEnd: RedisStreamTransport;
  readonly received: string[];
  readonly rejections: RejectionEvent[];
  ended: boolean;
  closedWith: unknown;
}

/** Alice dials Bob through his inbox and opens a channel; Bob records what arrives. */
async function openChannel(url: string, mode: 'stream' | 'datagram'): Promise<Pair> {
  const connection = testConnection(url);
  const { alice, bob, directory } = aliceAndBob();
  const inbox = new RedisInbox({ connection, node: 'bob' });
  const linked = new Promise<RedisStreamTransport>((resolve) => inbox.onLink(({ transport }) => resolve(transport)));
  await inbox.ready;
  const aliceEnd = await dialRedis({ connection, from: 'alice', to: 'bob' });
  const atAlice = connect(aliceEnd, { identity: alice, directory, peer: 'bob', mode });
  const bobEnd = await linked;
  await inbox.close();
  const atBob = accept(bobEnd, { identity: bob, directory });
  const pair: Pair = {
    atAlice,
    atBob,
    aliceEnd,
    bobEnd,
    received: [],
    rejections: [],
    ended: false,
    closedWith: undefined,
  };
  atBob.onMessage((data) => pair.received.push(decode(data)));
  atBob.onReject((event) => pair.rejections.push(event));
  atBob.onEnd(() => {
    pair.ended = true;
  });
  atBob.onClose(({ error }) => {
    pair.closedWith = error ?? 'closed';
  });
  await atAlice.ready;
  await atBob.ready;
  return pair;
}

/** The highest sequence number in a link stream. */
async function top(redis: Redis, key: string): Promise<number> {
  const [entry] = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return entry === undefined ? 0 : Number(entry[0].split('-')[1]);
}

describeWithRedis(
  'a stream channel over Redis Streams survives killed connections and a Redis restart',
  (fixture) => {
    it('10,000 frames arrive once each and in order, with FINAL, across two reader kills and a restart (AOF)', async () => {
      const admin = testClient(fixture.server.url);
      try {
        const pair = await openChannel(fixture.server.url, 'stream');
        const readerName = `${PREFIX}link:{${pair.bobEnd.link}}:b:reader`;
        const faults: string[] = [];
        for (let i = 0; i < 10_000; i++) {
          pair.atAlice.send(encode(String(i)));
          if ((i + 1) % 500 !== 0) continue;
          // Keep the writer no more than a few batches ahead, so that the faults land mid-stream.
          expect(await eventually(() => pair.received.length >= i - 1_500, 30_000)).toBe(true);
          if (i + 1 === 2_500 || i + 1 === 5_000) {
            expect(await killClient(admin, readerName)).toBe(true);
            faults.push(`reader killed at ${pair.received.length}`);
          }
          if (i + 1 === 7_500) {
            await fixture.server.kill();
            fixture.server = await fixture.server.restart();
            faults.push(`Redis restarted at ${pair.received.length}`);
          }
        }
        pair.atAlice.end();
        expect(await eventually(() => pair.ended, 60_000)).toBe(true);
        expect(faults).toHaveLength(3);
        expect(pair.received).toHaveLength(10_000);
        expect(pair.received.every((text, index) => text === String(index))).toBe(true);
        expect(pair.rejections.filter((event) => event.stage === 'frame')).toEqual([]);
        expect(pair.bobEnd.stats().reconnects).toBeGreaterThanOrEqual(3);
        pair.atAlice.close();
        pair.atBob.close();
      } finally {
        admin.disconnect();
      }
    }, 120_000);
  },
  { appendOnly: true },
);

describeWithRedis('Redis Streams links', (fixture) => {
  const clients: Redis[] = [];
  const client = () => {
    const made = testClient(fixture.server.url);
    clients.push(made);
    return made;
  };
  afterEach(() => {
    for (const each of clients.splice(0)) each.disconnect();
  });

  it('a resent XADD never duplicates a frame: the writer connection killed mid-burst, twice', async () => {
    const admin = client();
    const link = 'resend';
    const connection = testConnection(fixture.server.url);
    const a = new RedisStreamTransport({ connection, link, side: 'a' });
    const b = new RedisStreamTransport({ connection, link, side: 'b' });
    const received: string[] = [];
    b.onReceive((bytes) => received.push(decode(bytes)));
    const writer = `${PREFIX}link:{${link}}:a:writer`;
    const killWriter = async () => {
      // Once it is connected (again).
      for (let tries = 0; tries < 500; tries++) {
        if (await killClient(admin, writer)) return true;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return false;
    };
    // A kill in the middle of a burst: some XADDs done, some on the wire.
    for (let i = 0; i < 2_000; i++) a.send(encode(`0:${i}`));
    expect(await eventually(() => a.stats().sent > 0)).toBe(true);
    expect(await killWriter()).toBe(true);
    // A kill while every XADD of a burst is held up in Redis (writes paused), so none of them runs.
    await admin.call('CLIENT', 'PAUSE', 10_000, 'WRITE');
    try {
      for (let i = 0; i < 2_000; i++) a.send(encode(`1:${i}`));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await killWriter()).toBe(true);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
    }
    for (let i = 0; i < 2_000; i++) a.send(encode(`2:${i}`));
    expect(await eventually(() => received.length >= 6_000, 30_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([0, 1, 2].flatMap((burst) => Array.from({ length: 2_000 }, (_, i) => `${burst}:${i}`)));
    expect(a.stats()).toMatchObject({ sent: 6_000, pending: 0 });
    expect(a.stats().resent).toBeGreaterThan(0);
    expect(a.stats().reconnects).toBeGreaterThanOrEqual(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('injected duplicate and reordered entries are refused by the channel; nothing arrives twice or out of order', async () => {
    const pair = await openChannel(fixture.server.url, 'stream');
    const redis = client();
    const streamA = `${PREFIX}link:{${pair.aliceEnd.link}}:a`;
    for (const text of ['one', 'two', 'three']) pair.atAlice.send(encode(text));
    expect(await eventually(() => pair.received.length === 3)).toBe(true);
    // An attacker with access to Redis copies frame "two" (the entry before last) to the next id…
    const entries = (await redis.xrangeBuffer(streamA, '-', '+')) as [Buffer, Buffer[]][];
    const frameTwo = entries[entries.length - 2]?.[1][1] as Buffer;
    let next = (await top(redis, streamA)) + 1;
    await redis.xadd(streamA, `0-${next++}`, 'd', frameTwo);
    // …then two genuine frames, sealed by Alice's session but never sent, in swapped order.
    const session = pair.atAlice.session;
    if (session === undefined) throw new Error('no session');
    const four = session.seal(encode('four'));
    const five = session.seal(encode('five'));
    await redis.xadd(streamA, `0-${next++}`, 'd', Buffer.from(five));
    await redis.xadd(streamA, `0-${next++}`, 'd', Buffer.from(four));
    await redis.xadd(streamA, `0-${next++}`, 'd', Buffer.from(five));
    expect(await eventually(() => pair.received.length === 5)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pair.received).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(pair.rejections.map((event) => event.error.constructor)).toEqual([ReplayedMessageError, OutOfOrderError]);

    // Alice's own next frame finds its id taken by the attacker's entry: her link closes with a typed error.
    const aliceRejections: RejectionEvent[] = [];
    pair.atAlice.onReject((event) => aliceRejections.push(event));
    pair.atAlice.send(encode('six'));
    expect(await eventually(() => pair.atAlice.closed)).toBe(true);
    expect(pair.aliceEnd.error).toBeInstanceOf(LinkConflictError);
    // The conflict, then the truncation of Bob's half of the stream that it cuts short.
    expect(aliceRejections.map(({ error, stage }) => [error.constructor, stage])).toEqual([
      [LinkConflictError, 'transport'],
      [StreamTruncatedError, 'transport'],
    ]);
    pair.atBob.close();
  });

  it('a gap in the stream closes the link with StreamGapError, and the stream channel as truncated', async () => {
    const pair = await openChannel(fixture.server.url, 'stream');
    const redis = client();
    const streamA = `${PREFIX}link:{${pair.aliceEnd.link}}:a`;
    pair.atAlice.send(encode('before'));
    expect(await eventually(() => pair.received.length === 1)).toBe(true);
    await redis.xadd(streamA, `0-${(await top(redis, streamA)) + 2}`, 'd', 'whatever');
    expect(await eventually(() => pair.atBob.closed)).toBe(true);
    expect(pair.bobEnd.error).toBeInstanceOf(StreamGapError);
    expect(pair.bobEnd.error).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_STREAM_GAP' });
    // The gap, then the truncation it leaves: both reported, both typed.
    expect(pair.rejections.map(({ error, stage }) => [error.constructor, stage])).toEqual([
      [StreamGapError, 'transport'],
      [StreamTruncatedError, 'transport'],
    ]);
    expect(pair.closedWith).toBeInstanceOf(StreamTruncatedError);
    pair.atAlice.close();
  });

  it('a reader that trimming has overtaken finds a gap rather than waiting forever', async () => {
    const connection = testConnection(fixture.server.url);
    const a = new RedisStreamTransport({ connection, link: 'trimmed', side: 'a', maxLength: 10 });
    for (let i = 0; i < 1_000; i++) a.send(encode(String(i)));
    expect(await eventually(() => a.stats().pending === 0)).toBe(true);
    const b = new RedisStreamTransport({ connection, link: 'trimmed', side: 'b' });
    const errors: Error[] = [];
    b.onError((error) => errors.push(error));
    const closed = new Promise<void>((resolve) => b.onClose(() => resolve()));
    await closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StreamGapError);
    expect(errors[0]).toMatchObject({ expected: 1 });
    await a.close();
  });

  it('closing one end closes the other after the frames before it; a stream that ended with FINAL is complete', async () => {
    const pair = await openChannel(fixture.server.url, 'stream');
    pair.atAlice.send(encode('last words'));
    pair.atAlice.end(encode('bye'));
    pair.atAlice.close();
    expect(await eventually(() => pair.atBob.closed)).toBe(true);
    expect(pair.received).toEqual(['last words', 'bye']);
    expect(pair.ended).toBe(true);
    expect(pair.closedWith).not.toBeInstanceOf(StreamTruncatedError);
  });

  it('a stream closed without FINAL is reported as truncated at the other end', async () => {
    const pair = await openChannel(fixture.server.url, 'stream');
    pair.atAlice.send(encode('half'));
    pair.atAlice.close();
    expect(await eventually(() => pair.atBob.closed)).toBe(true);
    expect(pair.closedWith).toBeInstanceOf(StreamTruncatedError);
  });

  it('carries a datagram channel too', async () => {
    const pair = await openChannel(fixture.server.url, 'datagram');
    for (let i = 0; i < 100; i++) pair.atAlice.send(encode(String(i)));
    expect(await eventually(() => pair.received.length === 100)).toBe(true);
    expect(pair.received).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    pair.atAlice.close();
  });

  it('an inbox hands out each announced link once, even when the announcement is repeated', async () => {
    const redis = client();
    // Announced before the inbox opened: for a listener that is gone, not seen.
    await redis.xadd(`${PREFIX}inbox:{carol}`, '*', 'from', 'mallory', 'link', 'l-0');
    const connection = testConnection(fixture.server.url);
    const inbox = new RedisInbox({ connection, node: 'carol' });
    const links: string[] = [];
    inbox.onLink(({ link, from, transport }) => {
      links.push(`${from}/${link}`);
      void transport.close();
    });
    await inbox.ready;
    for (let i = 0; i < 2; i++) await redis.xadd(`${PREFIX}inbox:{carol}`, '*', 'from', 'dave', 'link', 'l-1');
    const dialled = await dialRedis({ connection, from: 'erin', to: 'carol' });
    expect(await eventually(() => links.length === 2)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(links).toEqual(['dave/l-1', `erin/${dialled.link}`]);
    expect(inbox.stats()).toEqual({ links: 2, duplicates: 1 });
    await Promise.all([inbox.close(), dialled.close()]);
  });
});

describe('Redis Streams links: bad input, and a Redis out of reach', () => {
  // Nothing listens there.
  const nowhere = 'redis://127.0.0.1:1';

  it.each([
    [{ link: 'x', side: 'a' }, 'connection'],
    [{ connection: 'localhost', link: 'x', side: 'a' }, 'connection'],
    [{ connection: { cluster: [] }, link: 'x', side: 'a' }, 'connection.cluster'],
    [{ connection: { port: 1, keyPrefix: 'app:' }, link: 'x', side: 'a' }, 'connection.keyPrefix'],
    [{ connection: nowhere, side: 'a' }, 'link'],
    [{ connection: nowhere, link: '', side: 'a' }, 'link'],
    [{ connection: nowhere, link: 'x', side: 'c' }, 'side'],
    [{ connection: nowhere, link: 'x', side: 'a', prefix: 'a:b' }, 'prefix'],
    [{ connection: nowhere, link: 'x', side: 'a', maxLength: 0 }, 'maxLength'],
    [{ connection: nowhere, link: 'x', side: 'a', ttl: 10 }, 'ttl'],
    [{ connection: nowhere, link: 'x', side: 'a', commandTimeout: 0 }, 'commandTimeout'],
    [{ connection: nowhere, link: 'x', side: 'a', maxLenght: 5 }, 'maxLenght'],
    [{ connection: nowhere, link: 'x', side: 'a', clock: { now: () => 0 } }, 'clock.setTimeout'],
  ] as [Record<string, unknown>, string][])(
    'RedisStreamTransport(%j) throws InvalidOptionError naming %s',
    (options, option) => {
      expect(() => new RedisStreamTransport(options as never)).toThrow(InvalidOptionError);
      try {
        new RedisStreamTransport(options as never);
      } catch (error) {
        expect((error as InvalidOptionError).option).toBe(option);
      }
    },
  );

  it('RedisInbox and dialRedis check their options at the call site', async () => {
    expect(() => new RedisInbox({ connection: nowhere, node: '' } as never)).toThrow(InvalidOptionError);
    expect(() => new RedisInbox({ connection: nowhere, node: 'n', link: { ttl: 1 } } as never)).toThrow(/link\.ttl/);
    await expect(
      dialRedis({ connection: nowhere, from: 'a', to: 'b', link: { maxLength: -1 } } as never),
    ).rejects.toThrow(InvalidOptionError);
    await expect(dialRedis({ connection: nowhere, from: '', to: 'b' } as never)).rejects.toMatchObject({
      argument: 'from',
    });
    await expect(dialRedis({ connection: nowhere, from: 'a', to: 'b', signal: 'stop' } as never)).rejects.toMatchObject(
      { option: 'signal' },
    );
    await expect(
      dialRedis({ connection: nowhere, from: 'a', to: 'b', signal: AbortSignal.abort() } as never),
    ).rejects.toThrow(CancelledError);
  });

  it("with Redis out of reach, dialling and an inbox's ready reject with LinkUnavailableError after commandTimeout, never hang", async () => {
    const dialled = dialRedis({ connection: nowhere, from: 'a', to: 'b', link: { commandTimeout: 200 } });
    await expect(dialled).rejects.toBeInstanceOf(LinkUnavailableError);
    await expect(dialled).rejects.toMatchObject({
      code: 'ERR_PALISADE_MESSAGING_LINK_UNAVAILABLE',
      commandTimeout: 200,
    });
    const inbox = new RedisInbox({ connection: nowhere, node: 'n', commandTimeout: 200 });
    await expect(inbox.ready).rejects.toBeInstanceOf(LinkUnavailableError);
    await inbox.close();
  });

  it('aborting the signal while dialling rejects with the cancellation error', async () => {
    const controller = new AbortController();
    const dialled = dialRedis({ connection: nowhere, from: 'a', to: 'b', signal: controller.signal });
    controller.abort();
    await expect(dialled).rejects.toThrow(CancelledError);
  });
});
