import { randomBytes } from 'node:crypto';
import { accept, connect, Identity, KeyDirectory } from '@palisade/messaging';
import { dialRedis, RedisInbox, RedisStreamTransport } from '@palisade/messaging/redis';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../../scripts/lib/redis-server.ts';
import { formatRate, median, type Suite, table, targetTable } from '../harness.ts';

const ROUNDS = 5;
const CHANNEL_ROUNDS = 3;
/** XADDs in flight at once for the raw baseline: as many as the transport keeps. */
const WINDOW = 512;
const sizes = [
  { label: '1 KB', bytes: 1024, frames: 40_000 },
  { label: '64 KB', bytes: 64 * 1024, frames: 2_000 },
] as const;

/** Frames per second of `run`, which resolves once `frames` frames have arrived. */
async function rate(frames: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return frames / ((performance.now() - started) / 1000);
}

/** The anchor: XADD with explicit ids, a window in flight, and a reader on XREAD BLOCK — no transport. */
async function rawStreams(url: string, key: string, payload: Buffer, frames: number): Promise<number> {
  const writer = new Redis(url);
  const reader = new Redis(url);
  try {
    return await rate(frames, async () => {
      const read = (async () => {
        let last = '0-0';
        let received = 0;
        while (received < frames) {
          const reply = (await reader.xreadBuffer('COUNT', 512, 'BLOCK', 5_000, 'STREAMS', key, last)) as
            | [Buffer, [Buffer, Buffer[]][]][]
            | null;
          const entries = reply?.[0]?.[1] ?? [];
          for (const [id] of entries) {
            last = id.toString();
            received++;
          }
        }
      })();
      let inFlight = 0;
      let wake: (() => void) | undefined;
      for (let seq = 1; seq <= frames; seq++) {
        while (inFlight >= WINDOW) await new Promise<void>((resolve) => (wake = resolve));
        inFlight++;
        void writer.xadd(key, 'MAXLEN', '~', 10_000, `0-${seq}`, 'd', payload).then(() => {
          inFlight--;
          wake?.();
        });
      }
      await read;
    });
  } finally {
    writer.disconnect();
    reader.disconnect();
  }
}

/** The same frames through a pair of RedisStreamTransports. */
async function transport(url: string, link: string, payload: Uint8Array, frames: number): Promise<number> {
  const a = new RedisStreamTransport({ connection: url, link, side: 'a' });
  const b = new RedisStreamTransport({ connection: url, link, side: 'b' });
  try {
    return await rate(frames, async () => {
      let received = 0;
      const done = new Promise<void>((resolve) =>
        b.onReceive(() => {
          if (++received === frames) resolve();
        }),
      );
      for (let i = 0; i < frames; i++) a.send(payload);
      await done;
    });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** A SecureChannel in stream mode over the transport: the frames sealed, sent, opened and delivered. */
async function channel(url: string, payload: Uint8Array, frames: number): Promise<number> {
  const alice = Identity.generate('alice');
  const bob = Identity.generate('bob');
  const directory = new KeyDirectory();
  directory.register(alice.publicIdentity);
  directory.register(bob.publicIdentity);
  const inbox = new RedisInbox({ connection: url, node: 'bob' });
  await inbox.ready;
  const accepted = new Promise<ReturnType<typeof accept>>((resolve) =>
    inbox.onLink(({ transport: end }) => resolve(accept(end, { identity: bob, directory }))),
  );
  const atAlice = connect(await dialRedis({ connection: url, from: 'alice', to: 'bob' }), {
    identity: alice,
    directory,
    peer: 'bob',
    mode: 'stream',
  });
  const atBob = await accepted;
  await atAlice.ready;
  try {
    return await rate(frames, async () => {
      let received = 0;
      const done = new Promise<void>((resolve) =>
        atBob.onMessage(() => {
          if (++received === frames) resolve();
        }),
      );
      for (let i = 0; i < frames; i++) atAlice.send(payload);
      await done;
    });
  } finally {
    await Promise.all([atAlice.close(), atBob.close(), inbox.close()]);
  }
}

const suite: Suite = {
  title: '@palisade/messaging over Redis Streams',
  async run() {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    try {
      const rows: string[][] = [];
      const ratios: { label: string; ratio: number }[] = [];
      let link = 0;
      for (const size of sizes) {
        const payload = randomBytes(size.bytes);
        const raw: number[] = [];
        const palisade: number[] = [];
        const sealed: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          // Rotated order, as the harness does, each run on an empty Redis.
          const runs: (() => Promise<unknown>)[] = [
            async () => raw.push(await rawStreams(server.url, `raw:{${++link}}`, payload, size.frames)),
            async () => palisade.push(await transport(server.url, `bench-${++link}`, payload, size.frames)),
          ];
          for (let i = 0; i < runs.length; i++) {
            await admin.flushall();
            await runs[(i + round) % runs.length]?.();
          }
        }
        // The channel adds encryption on this thread: measured apart, so that its garbage does not tilt the comparison.
        for (let round = 0; round < CHANNEL_ROUNDS; round++) {
          await admin.flushall();
          sealed.push(await channel(server.url, payload, size.frames));
        }
        const rawRate = median(raw);
        const transportRate = median(palisade);
        const channelRate = median(sealed);
        ratios.push({ label: size.label, ratio: transportRate / rawRate });
        const mbps = (perSecond: number) => `${((perSecond * size.bytes) / 2 ** 20).toFixed(0)} MiB/s`;
        rows.push(
          [`raw XADD/XREAD ${size.label}`, formatRate(rawRate), mbps(rawRate), '1.00×', raw.map(formatRate).join(', ')],
          [
            `RedisStreamTransport ${size.label}`,
            formatRate(transportRate),
            mbps(transportRate),
            `${(transportRate / rawRate).toFixed(2)}×`,
            palisade.map(formatRate).join(', '),
          ],
          [
            `SecureChannel (stream) over it ${size.label}`,
            formatRate(channelRate),
            mbps(channelRate),
            `${(channelRate / rawRate).toFixed(2)}×`,
            sealed.map(formatRate).join(', '),
          ],
        );
      }
      return [
        '### Throughput over Redis Streams',
        '',
        `Frames from one end to the other through a local redis-server: ${sizes.map((s) => `${s.frames.toLocaleString('en-US')} frames of ${s.label}`).join(', ')}, timed from the first send to the last frame delivered; median of ${ROUNDS} rounds in rotated order (the channel: ${CHANNEL_ROUNDS} rounds, apart), each run on an emptied Redis. The anchor is the same work done by hand: XADD with explicit ids and ${WINDOW} in flight on one connection, XREAD BLOCK COUNT 512 on another. The channel row adds what a \`SecureChannel\` does (tweetnacl secretbox sealing and opening, both ends in this one process, and the stream-mode checks): the \`messaging\` suite measures that part alone.`,
        '',
        table(['contender', 'frames/s', 'payload', '× raw', 'rounds'], rows),
        '',
        '### Targets (issue 15)',
        '',
        targetTable(
          ratios.map(({ label, ratio }) => ({
            label: `transport throughput ÷ raw XADD/XREAD, ${label}`,
            measured: ratio,
            limit: 0.7,
            kind: 'min' as const,
            format: (value: number) => `${value.toFixed(2)}×`,
          })),
        ),
      ].join('\n');
    } finally {
      admin.disconnect();
      await server.stop();
    }
  },
};

export default suite;
