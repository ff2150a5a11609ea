import { InvalidArgumentError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { thrown } from './fixtures.test-util.js';
import { Identity } from './identity.js';
import { KeyDirectory, type RevocationEvent } from './key-directory.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';

const random = insecureDeterministicRandomBytes('directory');

describe('KeyDirectory', () => {
  it('registers, rotates with a grace period on the clock, and revokes, with events', async () => {
    const clock = new VirtualClock();
    const directory = new KeyDirectory({ clock, rotationGrace: 100 });
    const events: string[] = [];
    directory.onRegister((identity) => events.push(`register ${identity.nodeId}@${identity.epoch}`));
    directory.onRotate((event) => events.push(`rotate ${event.nodeId} ${event.fromEpoch}→${event.toEpoch}`));
    directory.onRevoke((event: RevocationEvent) => events.push(`revoke ${event.kind}`));
    const first = Identity.generate('a', { insecureRandomBytesForTests: random });
    directory.register(first.publicIdentity);
    const second = first.rotate();
    directory.rotate(second.publicIdentity);
    expect(directory.entries('a').map((e) => e.status)).toEqual(['retiring', 'active']);
    await clock.advance(100);
    expect(thrown(() => directory.resolve('a', 1)).code).toBe('ERR_PALISADE_MESSAGING_KEY_RETIRED');
    expect(directory.current('a').epoch).toBe(2);
    directory.revoke('a', { epoch: 2 });
    expect(thrown(() => directory.current('a')).code).toBe('ERR_PALISADE_MESSAGING_KEY_REVOKED');
    expect(events).toEqual(['register a@1', 'rotate a 1→2', 'revoke key']);
  });

  it('refuses bad input at the call site', () => {
    const directory = new KeyDirectory();
    const identity = Identity.generate('a', { insecureRandomBytesForTests: random });
    directory.register(identity.publicIdentity);
    expect(thrown(() => directory.register(identity.publicIdentity)).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    expect(thrown(() => directory.rotate(identity.publicIdentity)).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    expect(thrown(() => directory.register({ ...identity.publicIdentity, nodeId: '' })).code).toBe(
      'ERR_PALISADE_INVALID_ARGUMENT',
    );
    expect(thrown(() => directory.revoke('nobody')).code).toBe('ERR_PALISADE_MESSAGING_UNKNOWN_PEER');
    expect(thrown(() => new KeyDirectory({ rotationGrace: -1 })).code).toBe('ERR_PALISADE_INVALID_OPTION');
    expect(JSON.stringify(identity)).toBe('{"nodeId":"a","epoch":1}');
  });

  it('revokeToken refuses a malformed id with InvalidArgumentError, and fires nothing', () => {
    const directory = new KeyDirectory();
    const events: RevocationEvent[] = [];
    directory.onRevoke((event) => events.push(event));
    const id = '00112233445566778899aabbccddeeff';
    const malformed: unknown[] = [
      `${id}\n`,
      `0x${id}`,
      ` ${id}`,
      `${id} `,
      id.slice(0, 30),
      `${id}00`,
      '',
      'zz112233445566778899aabbccddeeff',
      new Uint8Array(15),
      new Uint8Array(17),
      new Uint8Array(0),
      null,
      undefined,
      42,
      [0, 1, 2],
      new Uint16Array(8),
    ];
    for (const bad of malformed) {
      const error = thrown(() => directory.revokeToken(bad as string));
      expect(error.code, JSON.stringify(bad)).toBe('ERR_PALISADE_INVALID_ARGUMENT');
      expect(error).toBeInstanceOf(InvalidArgumentError);
    }
    expect(thrown(() => directory.revokeToken(id, 42 as never)).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    expect(events).toEqual([]);
    expect(directory.isTokenRevoked(id)).toBe(false);
  });

  it('revokeToken takes 16 bytes or 32 hex digits in either case, as one id', () => {
    const directory = new KeyDirectory();
    const events: RevocationEvent[] = [];
    directory.onRevoke((event) => events.push(event));
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    directory.revokeToken(bytes);
    directory.revokeToken('00112233445566778899AABBCCDDEEFF');
    directory.revokeToken('00112233445566778899aabbccddeeff');
    expect(events).toEqual([{ kind: 'token', revocationId: '00112233445566778899aabbccddeeff', reason: 'revoked' }]);
    expect(directory.isTokenRevoked('00112233445566778899aabbccddeeff')).toBe(true);
  });
});
