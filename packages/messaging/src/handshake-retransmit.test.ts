import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from './bytes.js';
import { createDelayedLink } from './delayed-link.test-util.js';
import { makeWorld, read, text } from './fixtures.test-util.js';
import { accept, connect } from './secure-channel.js';
import { MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;
const HANDSHAKE_TIMEOUT = 90_000;
const TYPE_NAMES = new Map(Object.entries(MessageType).map(([name, type]) => [type as number, name]));

/** A channel over a lossless link that takes `latency` each way; nothing runs until the test moves the clock. */
function slowChannel(latency: number, handshakeRetry: number, seed = 'world') {
  const world = makeWorld(['alice', 'bob'], seed);
  const sent: { from: string; type: string; bytes: Uint8Array }[] = [];
  const [aEnd, bEnd] = createDelayedLink(world.clock, latency, {
    sent: (bytes, from) => sent.push({ from, type: TYPE_NAMES.get(bytes[1] as number) ?? '?', bytes }),
  });
  const common = {
    directory: world.directory,
    clock: world.clock,
    crypto,
    handshakeRetry,
    handshakeTimeout: HANDSHAKE_TIMEOUT,
  };
  const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
  const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
  const rejections: string[] = [];
  client.onReject(({ stage, error }) => rejections.push(`client ${stage} ${error.code}`));
  server.onReject(({ stage, error }) => rejections.push(`server ${stage} ${error.code}`));
  const start = world.clock.now();
  /** When each side's `ready` settled, in ms after the start, or the code it rejected with. */
  const readyAt: { client?: number | string; server?: number | string } = {};
  const note = (side: 'client' | 'server') => ({
    ready: () => {
      readyAt[side] = world.clock.now() - start;
    },
    failed: (error: { code?: string }) => {
      readyAt[side] = error.code ?? String(error);
    },
  });
  const [atClient, atServer] = [note('client'), note('server')];
  client.ready.then(atClient.ready, atClient.failed);
  server.ready.then(atServer.ready, atServer.failed);
  return { ...world, client, server, rejections, sent, readyAt };
}

describe('the handshake over a lossless link slower than handshakeRetry', () => {
  // 0.3: the round trip fits in the retry interval, but the whole handshake (two round trips) does not.
  for (const factor of [0.3, 1.5, 3]) {
    it(`completes within two round trips when each way takes ${factor}x the retry interval`, async () => {
      const retry = 500;
      const latency = retry * factor;
      const run = slowChannel(latency, retry);
      await run.clock.advance(4 * latency);
      // HELLO → RESPONSE → FINISH, then the KEEPALIVE that confirms it: two round trips, whatever the retry interval.
      expect(run.readyAt, run.rejections.join('\n')).toEqual({ client: 4 * latency, server: 3 * latency });
      expect(run.client.session!.id).toBe(run.server.session!.id);
      expect(bytesEqual(run.client.session!.transcriptHash, run.server.session!.transcriptHash)).toBe(true);
      // One ephemeral key for the whole attempt: every HELLO on the wire is the same bytes, and so is every FINISH.
      for (const type of ['hello', 'finish']) {
        const copies = run.sent.filter((message) => message.type === type);
        expect(copies.length).toBeGreaterThanOrEqual(1);
        for (const copy of copies) expect(bytesEqual(copy.bytes, copies[0]!.bytes)).toBe(true);
      }
      // The responder answers every copy of the HELLO with the same RESPONSE, and signs once.
      const responses = run.sent.filter((message) => message.type === 'response');
      for (const copy of responses) expect(bytesEqual(copy.bytes, responses[0]!.bytes)).toBe(true);
      // Copies that arrive after their step is done are refused as unexpected, never as forgeries.
      for (const rejection of run.rejections)
        expect(rejection).toMatch(/ handshake ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE$/);
      run.client.send(text('after a slow handshake'));
      const got = new Promise<string>((resolve) => run.server.onMessage((data) => resolve(read(data))));
      await run.clock.advance(latency);
      expect(await got).toBe('after a slow handshake');
      await run.client.close();
    });
  }

  it('a copy of the HELLO that comes after its handshake completed changes nothing on either side', async () => {
    const run = slowChannel(1_500, 500);
    await run.clock.advance(6_000);
    expect(run.readyAt).toEqual({ client: 6_000, server: 4_500 });
    const hellos = run.sent.filter((message) => message.type === 'hello').length;
    await run.clock.advance(10_000);
    expect(run.sent.filter((message) => message.type === 'hello')).toHaveLength(hellos);
    expect([run.client.stats().handshakes, run.server.stats().handshakes]).toEqual([1, 1]);
    expect(run.client.session!.id).toBe(run.server.session!.id);
    await run.client.close();
  });

  it('property: for any latency up to 8x the retry interval, with two round trips shorter than handshakeTimeout, both sides open the same session within two round trips', async () => {
    const retryAndLatency = fc
      .integer({ min: 20, max: 5_000 })
      .chain((retry) =>
        fc.tuple(fc.constant(retry), fc.integer({ min: 0, max: Math.min(8 * retry, HANDSHAKE_TIMEOUT / 4 - 1) })),
      );
    await fc.assert(
      fc.asyncProperty(retryAndLatency, fc.string({ minLength: 1, maxLength: 6 }), async ([retry, latency], seed) => {
        const run = slowChannel(latency, retry, seed);
        await run.clock.advance(4 * latency);
        expect(run.readyAt, run.rejections.join('\n')).toEqual({ client: 4 * latency, server: 3 * latency });
        const [atClient, atServer] = [run.client.session!, run.server.session!];
        expect(atClient.id).toBe(atServer.id);
        expect(bytesEqual(atClient.transcriptHash, atServer.transcriptHash)).toBe(true);
        expect([atClient.peer.nodeId, atServer.peer.nodeId]).toEqual(['bob', 'alice']);
        expect(run.rejections.filter((rejection) => !rejection.endsWith('UNEXPECTED_MESSAGE'))).toEqual([]);
        await run.client.close();
      }),
      { numRuns: 40 },
    );
  });
});
