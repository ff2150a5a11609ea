import { DeadlineExceededError, InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AcceptOptions, ConnectOptions } from './channel-options.js';
import { SendQueueFullError, SessionClosedError } from './errors.js';
import { makeWorld, read, text } from './fixtures.test-util.js';
import { createMemoryLink, type MemoryLinkOptions } from './memory-transport.js';
import { accept, connect } from './secure-channel.js';
import { MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;

/** Lets microtasks and async crypto settle without moving virtual time. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'sent',
    (error: { code?: string }) => error.code ?? String(error),
  );

function pair(
  options: { client?: Partial<ConnectOptions>; server?: Partial<AcceptOptions> } = {},
  intercept?: MemoryLinkOptions['intercept'],
) {
  const world = makeWorld(['alice', 'bob']);
  const [aEnd, bEnd] = createMemoryLink({ intercept });
  const common = { directory: world.directory, clock: world.clock, crypto };
  const server = accept(bEnd, { ...common, identity: world.nodes.bob!, ...options.server });
  const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob', ...options.client });
  const atServer: string[] = [];
  const atClient: string[] = [];
  server.onMessage((data) => atServer.push(read(data)));
  client.onMessage((data) => atClient.push(read(data)));
  return { ...world, client, server, atServer, atClient, aEnd, bEnd };
}

describe('sends before ready', () => {
  it('wait for the handshake and go out in order, each promise settling once its frame is on the transport', async () => {
    const { client, server, atServer, atClient } = pair();
    const early = ['one', 'two', 'three'].map((word) => outcome(client.send(text(word))));
    const answer = outcome(server.send(text('hello from bob')));
    expect(client.stats().sent).toBe(0);
    await Promise.all([client.ready, server.ready]);
    expect(await Promise.all(early)).toEqual(['sent', 'sent', 'sent']);
    expect(await answer).toBe('sent');
    await outcome(client.send(text('four')));
    await settle();
    expect(atServer).toEqual(['one', 'two', 'three', 'four']);
    expect(atClient).toEqual(['hello from bob']);
    expect(client.stats()).toMatchObject({ sent: 4, handshakes: 1 });
  });

  it('property: whatever is sent before and after ready arrives exactly once, in the order sent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 12 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 12 }),
        async (before, after) => {
          const { client, atServer } = pair();
          const sends = before.map((word) => client.send(text(word)));
          await client.ready;
          for (const word of after) sends.push(client.send(text(word)));
          await Promise.all(sends);
          await settle();
          expect(atServer).toEqual([...before, ...after]);
          await client.close();
        },
      ),
      { numRuns: 15 },
    );
  });

  it('queue a private copy: changing the buffer after send does not change what is sent', async () => {
    const { client, atServer } = pair();
    const buffer = text('original');
    void client.send(buffer);
    buffer.set(text('mutated!'));
    await client.ready;
    await settle();
    expect(atServer).toEqual(['original']);
  });

  it('end() waits in the same queue: the FINAL follows the data sent before it', async () => {
    const { client, server, atServer } = pair({ client: { mode: 'stream' } });
    const events: string[] = [];
    server.onEnd(() => events.push('end'));
    void client.send(text('a'));
    void client.end(text('b'));
    await Promise.all([client.ready, server.ready]);
    await settle();
    expect(atServer).toEqual(['a', 'b']);
    expect(events).toEqual(['end']);
  });

  it('past maxQueuedSends, a send rejects with SendQueueFullError and the queued ones still go out', async () => {
    const { client, atServer } = pair({ client: { maxQueuedSends: 2 } });
    const sends = ['a', 'b', 'c'].map((word) => client.send(text(word)));
    const third = await sends[2]!.catch((error: unknown) => error);
    expect(third).toBeInstanceOf(SendQueueFullError);
    expect(third).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL', limit: 2 });
    await client.ready;
    await expect(Promise.all(sends.slice(0, 2))).resolves.toEqual([undefined, undefined]);
    // Once open, nothing waits, so the bound no longer applies.
    await Promise.all(['d', 'e', 'f'].map((word) => client.send(text(word))));
    await settle();
    expect(atServer).toEqual(['a', 'b', 'd', 'e', 'f']);
  });

  it('maxQueuedSends: 0 refuses every send before ready; Infinity refuses none', async () => {
    const strict = pair({ client: { maxQueuedSends: 0 } });
    expect(await outcome(strict.client.send(text('early')))).toBe('ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL');
    const open = pair({ client: { maxQueuedSends: Number.POSITIVE_INFINITY } });
    const sends = Array.from({ length: 2_000 }, (_, i) => open.client.send(text(`m${i}`)));
    await open.client.ready;
    await Promise.all(sends);
    await settle();
    expect(open.atServer).toHaveLength(2_000);
  });

  it('the default bound is 1_024', async () => {
    const { client } = pair();
    const sends = Array.from({ length: 1_025 }, () => outcome(client.send(text('x'))));
    expect(await sends[1_024]).toBe('ERR_PALISADE_MESSAGING_SEND_QUEUE_FULL');
    await client.ready;
    expect((await Promise.all(sends.slice(0, 1_024))).every((result) => result === 'sent')).toBe(true);
  });

  it('maxQueuedSends must be a whole number ≥ 0 (or Infinity)', () => {
    const world = makeWorld(['alice', 'bob']);
    const [aEnd] = createMemoryLink();
    const base = { directory: world.directory, clock: world.clock, identity: world.nodes.alice!, peer: 'bob' };
    for (const bad of [-1, 1.5, Number.NaN, '3']) {
      const make = () => connect(aEnd, { ...base, maxQueuedSends: bad as number });
      expect(make).toThrow(InvalidOptionError);
      expect(make).toThrow(expect.objectContaining({ option: 'maxQueuedSends' }));
    }
  });

  it('reject with ready’s error when the handshake times out, and nothing queued reaches the wire', async () => {
    const onTheWire: number[] = [];
    const world = makeWorld(['alice', 'bob']);
    const [aEnd] = createMemoryLink({
      intercept: (bytes) => {
        onTheWire.push(bytes[1]!);
        return undefined;
      },
    });
    const client = connect(aEnd, {
      directory: world.directory,
      clock: world.clock,
      crypto,
      identity: world.nodes.alice!,
      peer: 'bob',
      handshakeTimeout: 10_000,
    });
    const sends = ['a', 'b'].map((word) => client.send(text(word)).catch((error: unknown) => error));
    const ready = client.ready.catch((error: unknown) => error);
    await world.clock.advance(10_000);
    const readyError = await ready;
    expect(readyError).toBeInstanceOf(DeadlineExceededError);
    for (const error of await Promise.all(sends)) expect(error).toBe(readyError);
    expect(onTheWire.every((type) => type === MessageType.hello)).toBe(true);
    expect(client.stats().sent).toBe(0);
  });

  it('reject with SessionClosedError when the channel is closed before ready, and afterwards', async () => {
    const { client } = pair();
    const early = client.send(text('early')).catch((error: unknown) => error);
    await client.close();
    expect(await early).toBeInstanceOf(SessionClosedError);
    expect(await outcome(client.send(text('late')))).toBe('ERR_PALISADE_MESSAGING_SESSION_CLOSED');
  });

  it('reject with the cancellation when the channel’s signal aborts before ready', async () => {
    const controller = new AbortController();
    const { client } = pair({ client: { signal: controller.signal } });
    const early = client.send(text('early')).catch((error: unknown) => error);
    const ready = client.ready.catch((error: unknown) => error);
    controller.abort(new Error('user left'));
    const cancelled = await ready;
    expect(await early).toBe(cancelled);
    expect(client.closed).toBe(true);
  });

  it('a send nobody awaits never becomes an unhandled rejection', async () => {
    const { client } = pair({ client: { maxQueuedSends: 1 } });
    void client.send(text('queued, then dropped by close'));
    void client.send(text('past the bound'));
    void client.send('not bytes' as never);
    await client.close();
    void client.send(text('after close'));
    // Vitest fails the run on an unhandled rejection; let any surface.
    await settle();
  });

  it('send and end refuse what is not bytes with InvalidArgumentError naming `data`', async () => {
    const { client } = pair({ client: { mode: 'stream' } });
    for (const attempt of [client.send(42 as never), client.end('x' as never)]) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument: 'data' });
    }
  });
});
