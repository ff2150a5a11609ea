import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from './bytes.js';
import { createDelayedLink } from './delayed-link.test-util.js';
import { makeWorld, read, text } from './fixtures.test-util.js';
import { createMemoryLink, type MemoryLinkOptions } from './memory-transport.js';
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

describe('a try that cannot complete is replaced by a fresh HELLO', () => {
  function overMemory(intercept: MemoryLinkOptions['intercept']) {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd, bEnd] = createMemoryLink({ intercept });
    const common = { directory: world.directory, clock: world.clock, crypto };
    const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
    const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
    const rejections: string[] = [];
    client.onReject(({ stage, error }) => rejections.push(`client ${stage} ${error.code}`));
    server.onReject(({ stage, error }) => rejections.push(`server ${stage} ${error.code}`));
    return { ...world, client, server, rejections, aEnd, bEnd };
  }
  const forge = (bytes: Uint8Array) => {
    const forged = Uint8Array.from(bytes);
    forged[forged.length - 1]! ^= 1;
    return forged;
  };

  it('after a forged RESPONSE took the place of the real one, at the next retry', async () => {
    const hellos: Uint8Array[] = [];
    let forged = false;
    const run = overMemory((bytes, from) => {
      if (from === 'a' && bytes[1] === MessageType.hello) hellos.push(bytes);
      if (from === 'b' && bytes[1] === MessageType.response && !forged) {
        forged = true;
        return forge(bytes);
      }
      return bytes;
    });
    await run.clock.advance(4_999);
    expect(run.client.session).toBeUndefined();
    expect(hellos).toHaveLength(1);
    await run.clock.advance(1);
    expect(run.client.session, 'the client opened').toBeDefined();
    expect(hellos).toHaveLength(2);
    expect(bytesEqual(hellos[0]!, hellos[1]!)).toBe(false);
    expect(run.rejections).toEqual(['client handshake ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED']);
    expect(run.client.session!.id).toBe(run.server.session!.id);
  });

  it('when its FINISH goes unconfirmed for twice as long as its RESPONSE took plus a retry period (the responder lost the handshake to a forged FINISH)', async () => {
    const sent: string[] = [];
    let forged = false;
    const run = overMemory((bytes, from) => {
      sent.push(`${from} ${TYPE_NAMES.get(bytes[1] as number)}`);
      if (from === 'a' && bytes[1] === MessageType.finish && !forged) {
        forged = true;
        return [forge(bytes), bytes];
      }
      return bytes;
    });
    // The RESPONSE came at once, so the first retry gives the try up for a fresh HELLO.
    await run.clock.advance(5_000);
    expect(run.client.session, 'the client opened').toBeDefined();
    expect(sent).toEqual(['a hello', 'b response', 'a finish', 'a hello', 'b response', 'a finish', 'b keepalive']);
    expect(run.rejections).toEqual([
      'server handshake ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      'server handshake ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
    ]);
    expect(run.client.session!.id).toBe(run.server.session!.id);
  });

  it('copies of a RESPONSE an earlier try took are refused without reaching the fresh try', async () => {
    const sent: string[] = [];
    let response: Uint8Array | undefined;
    let forged = false;
    let hellos = 0;
    const run = overMemory((bytes, from) => {
      sent.push(`${from} ${TYPE_NAMES.get(bytes[1] as number)}`);
      if (from === 'b' && bytes[1] === MessageType.response) response ??= bytes;
      if (from === 'a' && bytes[1] === MessageType.finish && !forged) {
        forged = true;
        return [forge(bytes), bytes];
      }
      // The network (or an attacker) delivers an old copy of the first RESPONSE just as the fresh try begins.
      if (from === 'a' && bytes[1] === MessageType.hello && ++hellos === 2) run.bEnd.send(response!);
      return bytes;
    });
    await run.clock.advance(5_000);
    expect(run.client.session, 'the client opened').toBeDefined();
    expect(run.rejections).toEqual([
      'server handshake ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      'server handshake ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
      'client handshake ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
    ]);
    expect(run.client.session!.id).toBe(run.server.session!.id);
  });
});
