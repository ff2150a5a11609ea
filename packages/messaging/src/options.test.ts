import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { attenuateToken, issueToken, verifyToken } from './capability-token.js';
import { makeWorld, thrown } from './fixtures.test-util.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import { HandshakeResponder } from './handshake-responder.js';
import { Identity } from './identity.js';
import { KeyDirectory } from './key-directory.js';
import { createMemoryLink } from './memory-transport.js';
import { openSealed, sealTo } from './sealed-box.js';
import { accept, connect } from './secure-channel.js';

function setup() {
  const world = makeWorld(['alice', 'bob']);
  const { directory, clock, nodes } = world;
  const base = { directory, clock, identity: nodes.alice! };
  const token = issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'], clock });
  const [aEnd, bEnd] = createMemoryLink();
  return { ...world, base, token, aEnd, bEnd };
}

type Attempt = (extra: Record<string, unknown>) => unknown;

/** Each public function or constructor that takes an options object, and the options it needs to succeed. */
function optionTakers(): [string, Attempt][] {
  const { base, token, aEnd, bEnd, nodes, directory, clock } = setup();
  return [
    ['connect', (extra) => connect(aEnd, { ...base, peer: 'bob', ...extra })],
    ['accept', (extra) => accept(bEnd, { ...base, ...extra })],
    ['new HandshakeInitiator', (extra) => new HandshakeInitiator({ ...base, peer: 'bob', ...extra })],
    ['new HandshakeResponder', (extra) => new HandshakeResponder({ ...base, ...extra })],
    ['new KeyDirectory', (extra) => new KeyDirectory(extra)],
    ['directory.rotate', (extra) => directory.rotate(nodes.alice!.rotate().publicIdentity, extra)],
    ['directory.revoke', (extra) => directory.revoke('bob', extra)],
    ['Identity.generate', (extra) => Identity.generate('carol', extra)],
    ['Identity.fromSecretKeys', (extra) => Identity.fromSecretKeys('alice', nodes.alice!.exportSecretKeys(), extra)],
    ['issueToken', (extra) => issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'], ...extra })],
    ['attenuateToken', (extra) => attenuateToken(token, extra)],
    ['verifyToken', (extra) => verifyToken(token, { directory, audience: 'bob', clock, ...extra })],
    ['sealTo', (extra) => sealTo(nodes.bob!.publicIdentity, new Uint8Array(1), extra)],
    ['openSealed', (extra) => openSealed(nodes.bob!, sealTo(nodes.bob!.publicIdentity, new Uint8Array(1)), extra)],
    ['createMemoryLink', (extra) => createMemoryLink(extra)],
  ];
}

describe('options objects', () => {
  it('refuse an unknown key with InvalidOptionError naming it, everywhere', () => {
    for (const [name, attempt] of optionTakers()) {
      const error = thrown(() => attempt({ colour: 'blue' }));
      expect(error, name).toBeInstanceOf(InvalidOptionError);
      expect(error, name).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option: 'colour' });
    }
  });

  it('suggest the nearest known key for a misspelled one', () => {
    const { base, aEnd } = setup();
    const error = thrown(() => connect(aEnd, { ...base, peer: 'bob', handshakeTimout: 5 } as never));
    expect(error).toMatchObject({ option: 'handshakeTimout' });
    expect(error.message).toContain('did you mean "handshakeTimeout"?');
  });

  it('point a renamed option to its new name', () => {
    const { base, aEnd, nodes, token, directory, clock } = setup();
    const renamed: [string, () => unknown, string][] = [
      [
        'handshakeTimeoutMs',
        () => connect(aEnd, { ...base, peer: 'bob', handshakeTimeoutMs: 5 } as never),
        'handshakeTimeout',
      ],
      [
        'handshakeRetryMs',
        () => connect(aEnd, { ...base, peer: 'bob', handshakeRetryMs: 5 } as never),
        'handshakeRetry',
      ],
      ['ttlMs', () => issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'], ttlMs: 5 } as never), 'ttl'],
      ['ttlMs', () => attenuateToken(token, { ttlMs: 5 } as never), 'ttl'],
      [
        'clockSkewMs',
        () => verifyToken(token, { directory, audience: 'bob', clock, clockSkewMs: 5 } as never),
        'clockSkew',
      ],
      ['rotationGraceMs', () => new KeyDirectory({ rotationGraceMs: 5 } as never), 'rotationGrace'],
      ['graceMs', () => directory.rotate(nodes.alice!.rotate().publicIdentity, { graceMs: 5 } as never), 'grace'],
    ];
    for (const [old, attempt, now] of renamed) {
      const error = thrown(attempt);
      expect(error, old).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option: old });
      expect(error.message, old).toContain(`did you mean "${now}"?`);
    }
  });

  it('name nested keys by their dotted path: limits.rekeyAfterMs suggests limits.rekeyAfter', () => {
    const { base, aEnd } = setup();
    const error = thrown(() => connect(aEnd, { ...base, peer: 'bob', limits: { rekeyAfterMs: 5 } } as never));
    expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option: 'limits.rekeyAfterMs' });
    expect(error.message).toContain('did you mean "limits.rekeyAfter"?');
  });

  it('accept does not take the initiator’s options, nor connect the responder’s', () => {
    const { base, aEnd, bEnd } = setup();
    expect(thrown(() => accept(bEnd, { ...base, mode: 'stream' } as never))).toMatchObject({ option: 'mode' });
    expect(thrown(() => connect(aEnd, { ...base, peer: 'bob', authorize: () => true } as never))).toMatchObject({
      option: 'authorize',
    });
  });
});

describe('bad input names what was wrong', () => {
  it('a bad option is an InvalidOptionError whose `option` is the key, not `options.key`', () => {
    const { base, aEnd, bEnd, nodes, token, directory, clock } = setup();
    const cases: [() => unknown, string][] = [
      [() => connect(aEnd, { ...base, peer: 'alice' }), 'peer'],
      [() => connect(aEnd, { ...base, peer: '' }), 'peer'],
      [() => connect(aEnd, { ...base, peer: 'bob', mode: 'fast' as never }), 'mode'],
      [() => connect(aEnd, { ...base, peer: 'bob', handshakeTimeout: -1 }), 'handshakeTimeout'],
      [() => connect(aEnd, { ...base, peer: 'bob', handshakeRetry: 0 }), 'handshakeRetry'],
      [() => connect(aEnd, { ...base, peer: 'bob', signal: {} as never }), 'signal'],
      [() => connect(aEnd, { ...base, peer: 'bob', context: 7 as never }), 'context'],
      [() => connect(aEnd, { ...base, peer: 'bob', crypto: 'fastest' as never }), 'crypto'],
      [() => connect(aEnd, { ...base, peer: 'bob', limits: { rejectAfter: 0 } }), 'limits.rejectAfter'],
      [
        () => connect(aEnd, { ...base, peer: 'bob', insecureRandomBytesForTests: 1 as never }),
        'insecureRandomBytesForTests',
      ],
      [() => connect(aEnd, { ...base, identity: { nodeId: 'alice' } as never, peer: 'bob' }), 'identity'],
      [() => connect(aEnd, { ...base, directory: {} as never, peer: 'bob' }), 'directory'],
      [() => accept(bEnd, { ...base, authorize: 'everyone' as never }), 'authorize'],
      [() => issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'], ttl: 0 }), 'ttl'],
      [() => issueToken(nodes.alice!, { audience: '', rights: ['read:x'] }), 'audience'],
      [() => issueToken(nodes.alice!, { audience: 'bob', rights: [] }), 'rights'],
      [
        () => issueToken(nodes.alice!, { audience: 'bob', rights: ['read:x'], revocationId: new Uint8Array(3) }),
        'revocationId',
      ],
      [() => attenuateToken(token, { ttl: -5 }), 'ttl'],
      [() => verifyToken(token, { directory, audience: 'bob', clock, clockSkew: -1 }), 'clockSkew'],
      [() => verifyToken(token, { directory: undefined as never, audience: 'bob' }), 'directory'],
      [() => new KeyDirectory({ rotationGrace: -1 }), 'rotationGrace'],
      [() => directory.rotate(nodes.alice!.rotate().publicIdentity, { grace: -1 }), 'grace'],
      [() => directory.revoke('bob', { epoch: -1 }), 'epoch'],
      [() => Identity.generate('carol', { epoch: -1 }), 'epoch'],
      [() => sealTo(nodes.bob!.publicIdentity, new Uint8Array(1), { context: 1 as never }), 'context'],
      [() => createMemoryLink({ intercept: 'drop' as never }), 'intercept'],
    ];
    for (const [attempt, option] of cases) {
      const error = thrown(attempt);
      expect(error, option).toBeInstanceOf(InvalidOptionError);
      expect(error, option).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option });
    }
  });

  it('a bad positional argument is an InvalidArgumentError named after the parameter', () => {
    const { base, nodes } = setup();
    const cases: [() => unknown, string][] = [
      [() => connect({} as never, { ...base, peer: 'bob' }), 'transport'],
      [() => accept(null as never, base), 'transport'],
      [() => issueToken({ nodeId: 'mallory' } as never, { audience: 'bob', rights: ['read:x'] }), 'issuer'],
      [() => Identity.generate(''), 'nodeId'],
      [() => sealTo(nodes.bob!.publicIdentity, 'text' as never), 'plaintext'],
      [() => openSealed({} as never, sealTo(nodes.bob!.publicIdentity, new Uint8Array(1))), 'identity'],
    ];
    for (const [attempt, argument] of cases) {
      const error = thrown(attempt);
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect(error, argument).not.toBeInstanceOf(InvalidOptionError);
      expect(error, argument).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument });
    }
  });
});
