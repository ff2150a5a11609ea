import { InvalidArgumentError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import type { ConnectOptions } from './channel-options.js';
import { makeWorld, text } from './fixtures.test-util.js';
import { createMemoryLink, type MemoryLinkOptions } from './memory-transport.js';
import { instrumentChannel, instrumentKeyDirectory } from './otel.js';
import { accept, connect } from './secure-channel.js';
import { MessageType } from './wire.js';

const crypto = 'tweetnacl' as const;
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** alice connects to bob; bob's side is instrumented as `server`, alice's as `client`. */
function pair(
  telemetry: TestMetrics,
  intercept?: MemoryLinkOptions['intercept'],
  extra: Partial<Pick<ConnectOptions, 'limits' | 'handshakeTimeout'>> = {},
  world = makeWorld(['alice', 'bob']),
) {
  const [aEnd, bEnd] = createMemoryLink({ intercept });
  const common = { directory: world.directory, clock: world.clock, crypto, ...extra };
  const server = accept(bEnd, { ...common, identity: world.nodes.bob! });
  const client = connect(aEnd, { ...common, identity: world.nodes.alice!, peer: 'bob' });
  const meterProvider = telemetry.meterProvider;
  const handles = [
    instrumentChannel(server, { name: 'server', meterProvider }),
    instrumentChannel(client, { name: 'client', meterProvider }),
  ];
  return { ...world, server, client, aEnd, handles };
}

const server = { 'palisade.messaging.name': 'server' };
const client = { 'palisade.messaging.name': 'client' };

describe('instrumentChannel: metrics', () => {
  it('palisade.messaging.messages and handshakes count what the channels did, and channels how many are open', async () => {
    const telemetry = new TestMetrics();
    const { client: alice, server: bob } = pair(telemetry);
    await Promise.all([alice.ready, bob.ready]);
    for (const word of ['one', 'two', 'three']) await alice.send(text(word));
    await settle();
    expect(
      await telemetry.value('palisade.messaging.messages', { ...client, 'palisade.messaging.direction': 'sent' }),
    ).toBe(3);
    expect(
      await telemetry.value('palisade.messaging.messages', { ...server, 'palisade.messaging.direction': 'received' }),
    ).toBe(3);
    expect(
      await telemetry.value('palisade.messaging.handshakes', { ...server, 'palisade.messaging.outcome': 'success' }),
    ).toBe(1);
    expect(await telemetry.value('palisade.messaging.channels', server)).toBe(1);
    await alice.close();
    await settle();
    expect(await telemetry.value('palisade.messaging.channels', client)).toBe(0);
    expect(
      await telemetry.value('palisade.messaging.messages', { ...client, 'palisade.messaging.direction': 'sent' }),
    ).toBe(3);
    expect(await telemetry.value('palisade.messaging.closed', client)).toBe(1);
  });

  it('sums every channel instrumented under one name, and keeps the counts of closed ones', async () => {
    const telemetry = new TestMetrics();
    const world = makeWorld(['alice', 'bob']);
    const first = pair(telemetry, undefined, {}, world);
    const second = pair(telemetry, undefined, {}, world);
    await Promise.all([first.client.ready, second.client.ready, first.server.ready, second.server.ready]);
    await first.client.send(text('a'));
    await second.client.send(text('b'));
    await second.client.send(text('c'));
    await first.client.close();
    await settle();
    const sent = { ...client, 'palisade.messaging.direction': 'sent' };
    expect(await telemetry.points('palisade.messaging.messages')).toContainEqual({ attributes: sent, value: 3 });
    expect(await telemetry.value('palisade.messaging.channels', client)).toBe(1);
    expect(
      await telemetry.value('palisade.messaging.handshakes', { ...client, 'palisade.messaging.outcome': 'success' }),
    ).toBe(2);
  });

  it('palisade.messaging.rejected counts refused messages by stage and error code', async () => {
    const telemetry = new TestMetrics();
    const captured: Uint8Array[] = [];
    const { client: alice, server: bob } = pair(telemetry, (bytes, from) => {
      if (from !== 'a' || bytes[1] !== MessageType.data) return bytes;
      captured.push(bytes);
      if (captured.length === 2) {
        const forged = Uint8Array.from(bytes);
        forged[forged.length - 1]! ^= 1;
        return [forged, bytes];
      }
      if (captured.length === 3) return [bytes, captured[0]!, captured[0]!];
      return bytes;
    });
    await Promise.all([alice.ready, bob.ready]);
    for (const word of ['one', 'two', 'three']) await alice.send(text(word));
    await settle();
    const rejected = await telemetry.points('palisade.messaging.rejected');
    expect(rejected).toEqual([
      {
        attributes: {
          ...server,
          'palisade.messaging.stage': 'frame',
          'error.type': 'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
        },
        value: 1,
      },
      {
        attributes: {
          ...server,
          'palisade.messaging.stage': 'frame',
          'error.type': 'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
        },
        value: 2,
      },
    ]);
  });

  it('palisade.messaging.handshakes counts refused handshake messages and abandoned first handshakes', async () => {
    const telemetry = new TestMetrics();
    const world = makeWorld(['alice', 'bob']);
    world.directory.revoke('alice');
    const { client: alice, server: bob, clock } = pair(telemetry, undefined, { handshakeTimeout: 10_000 }, world);
    await settle();
    await clock.advance(10_000);
    await settle();
    await expect(alice.ready).rejects.toBeInstanceOf(Error);
    const refused = await telemetry.value('palisade.messaging.handshakes', {
      ...server,
      'palisade.messaging.outcome': 'refused',
    });
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(
      await telemetry.value('palisade.messaging.rejected', {
        ...server,
        'error.type': 'ERR_PALISADE_MESSAGING_KEY_REVOKED',
      }),
    ).toBe(refused);
    expect(
      await telemetry.value('palisade.messaging.handshakes', { ...client, 'palisade.messaging.outcome': 'abandoned' }),
    ).toBe(1);
    expect(
      await telemetry.value('palisade.messaging.handshakes', { ...client, 'palisade.messaging.outcome': 'success' }),
    ).toBe(0);
    await bob.close();
  });

  it('palisade.messaging.rekeys counts ratchets and re-handshakes', async () => {
    const telemetry = new TestMetrics();
    const limits = { rekeyAfterMessages: 2, rehandshakeAfter: 1_000, rejectAfter: 2_000 };
    const { client: alice, server: bob, clock } = pair(telemetry, undefined, { limits });
    await Promise.all([alice.ready, bob.ready]);
    for (let i = 0; i < 6; i++) await alice.send(text(`m${i}`));
    await clock.advance(1_000);
    await settle();
    const ratchets = await telemetry.value('palisade.messaging.rekeys', {
      ...client,
      'palisade.messaging.rekey.kind': 'ratchet',
    });
    expect(ratchets).toBe(alice.stats().rekeys);
    expect(ratchets).toBeGreaterThanOrEqual(2);
    expect(
      await telemetry.value('palisade.messaging.rekeys', { ...client, 'palisade.messaging.rekey.kind': 'handshake' }),
    ).toBe(1);
  });

  it('stops when disposed, keeping what the channel counted', async () => {
    const telemetry = new TestMetrics();
    const { client: alice, server: bob, handles } = pair(telemetry);
    await Promise.all([alice.ready, bob.ready]);
    await alice.send(text('counted'));
    for (const handle of handles) handle.dispose();
    await alice.send(text('not counted'));
    expect(
      await telemetry.value('palisade.messaging.messages', { ...client, 'palisade.messaging.direction': 'sent' }),
    ).toBe(1);
    expect(await telemetry.value('palisade.messaging.channels', client)).toBe(0);
  });

  it('throws InvalidArgumentError for something that is not a channel', () => {
    expect(() => instrumentChannel({} as never, { name: 'x' })).toThrow(InvalidArgumentError);
  });
});

describe('instrumentChannel and instrumentKeyDirectory: span events', () => {
  const tracing = testTracing();

  it('a refused message adds palisade.messaging.reject to the active span', async () => {
    const telemetry = new TestMetrics();
    let finish: Uint8Array | undefined;
    const {
      client: alice,
      server: bob,
      aEnd,
    } = pair(telemetry, (bytes, from) => {
      if (from === 'a' && bytes[1] === MessageType.finish) finish ??= bytes;
      return bytes;
    });
    await Promise.all([alice.ready, bob.ready]);
    const events = await eventsWithin(tracing, async () => {
      aEnd.send(finish!);
      await settle();
    });
    expect(events).toEqual([
      {
        name: 'palisade.messaging.reject',
        attributes: {
          ...server,
          'palisade.messaging.stage': 'handshake',
          'error.type': 'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
        },
      },
    ]);
  });

  it('the directory counts revocations and rotations, and adds each revocation to the active span', async () => {
    const telemetry = new TestMetrics();
    const world = makeWorld(['alice', 'bob']);
    const directory = { 'palisade.messaging.name': 'trust' };
    instrumentKeyDirectory(world.directory, { name: 'trust', meterProvider: telemetry.meterProvider });
    const events = await eventsWithin(tracing, async () => {
      world.directory.revoke('alice', { reason: 'laptop stolen' });
      world.directory.revokeToken('00'.repeat(16), 'leaked in a log');
    });
    world.directory.rotate(world.nodes.bob!.rotate().publicIdentity);
    expect(await telemetry.value('palisade.messaging.rotations', directory)).toBe(1);
    expect(events).toEqual([
      {
        name: 'palisade.messaging.revoke',
        attributes: {
          ...directory,
          'palisade.messaging.revocation.kind': 'key',
          'palisade.messaging.revocation.reason': 'laptop stolen',
          'palisade.messaging.node_id': 'alice',
          'palisade.messaging.key.epochs': [1],
        },
      },
      {
        name: 'palisade.messaging.revoke',
        attributes: {
          ...directory,
          'palisade.messaging.revocation.kind': 'token',
          'palisade.messaging.revocation.reason': 'leaked in a log',
          'palisade.messaging.token.revocation_id': '00'.repeat(16),
        },
      },
    ]);
    expect(
      await telemetry.value('palisade.messaging.revocations', {
        ...directory,
        'palisade.messaging.revocation.kind': 'key',
      }),
    ).toBe(1);
    expect(
      await telemetry.value('palisade.messaging.revocations', {
        ...directory,
        'palisade.messaging.revocation.kind': 'token',
      }),
    ).toBe(1);
    expect(() => instrumentKeyDirectory({} as never, { name: 'x' })).toThrow(InvalidArgumentError);
  });
});
