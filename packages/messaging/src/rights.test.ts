import { InvalidArgumentError } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attenuateToken, issueToken, verifyToken } from './capability-token.js';
import { makeWorld, thrown } from './fixtures.test-util.js';
import { anyCovers, checkRight, rightCovers } from './rights.js';
import { appendForgedBlock } from './token-forgery.test-util.js';

const wellFormed = [
  'read:accounts/42',
  'read:accounts/*',
  'read:*',
  '*:*',
  '*:accounts/42',
  'transfer:branch-a',
  'read:a.b/c_d/e~f/g@h+i=j,k',
  'read:.../x..y/.z',
  'write:a/b/c/*',
];

const traversalAndEmpty = [
  'read:accounts/../admin',
  'read:..',
  'read:.',
  'read:accounts/..',
  'read:accounts/.',
  'read:./accounts',
  'read:../*',
  'read:accounts/../*',
  'read:a//b',
  'read:/accounts',
  'read:accounts/',
  'read:accounts//*',
  'read:',
  ':accounts',
  '..:accounts',
];

const otherMalformed = [
  'read:a/*/b',
  'read:acc*',
  'read:a/b*',
  're*d:x',
  'read:a\\..\\admin',
  'read:%2e%2e/admin',
  'read:\uff0e\uff0e/admin', // fullwidth dots: NFKC turns them into ".."
  'read:ａccounts',
  'read:a b',
  'read:a\n',
  'read:a:b',
  'read',
  '',
  `read:${'x'.repeat(251)}`,
];

describe('the grammar of a right', () => {
  it('accepts action:resource with segments of [A-Za-z0-9._~@+=,-] and the two wildcards', () => {
    for (const right of wellFormed) expect(checkRight('right', right)).toBe(right);
    expect(checkRight('right', `read:${'x'.repeat(250)}`)).toHaveLength(255);
  });

  it('refuses "..", ".", empty segments and anything else outside the grammar with InvalidArgumentError', () => {
    for (const right of [...traversalAndEmpty, ...otherMalformed, null, 42, ['read:x']]) {
      const error = thrown(() => checkRight('right', right));
      expect(error, JSON.stringify(right)).toBeInstanceOf(InvalidArgumentError);
      expect(error.code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    }
  });

  it('read:accounts/* does not grant read:accounts/../admin: refused at issue, attenuation, check and in rightCovers', () => {
    const { clock, directory, nodes, random } = makeWorld(['bank-hq', 'ledger']);
    const hq = nodes['bank-hq']!;
    const options = { audience: 'ledger', ttl: 60_000, clock, insecureRandomBytesForTests: random };
    const token = issueToken(hq, { ...options, rights: ['read:accounts/*'] });
    for (const right of traversalAndEmpty) {
      // In an options object a right is an option, so the error is InvalidOptionError naming it.
      expect(
        thrown(() => issueToken(hq, { ...options, rights: [right] })),
        right,
      ).toMatchObject({
        code: 'ERR_PALISADE_INVALID_OPTION',
        option: 'rights[0]',
      });
      expect(
        thrown(() => attenuateToken(token, { rights: [right], clock })),
        right,
      ).toMatchObject({
        code: 'ERR_PALISADE_INVALID_OPTION',
        option: 'rights[0]',
      });
      expect(
        thrown(() => verifyToken(token, { directory, audience: 'ledger', right, clock })),
        right,
      ).toMatchObject({
        code: 'ERR_PALISADE_INVALID_OPTION',
        option: 'right',
      });
      expect(thrown(() => rightCovers('read:accounts/*', right)).code, right).toBe('ERR_PALISADE_INVALID_ARGUMENT');
      expect(thrown(() => rightCovers(right, 'read:accounts/x')).code, right).toBe('ERR_PALISADE_INVALID_ARGUMENT');
      expect(thrown(() => anyCovers(['read:accounts/*'], right)).code, right).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    }
    expect(thrown(() => anyCovers(null as never, 'read:x')).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
    expect(thrown(() => anyCovers(['read:a/../b'], 'read:x')).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
  });

  it('a token whose bytes carry a traversal right is malformed, even when correctly signed', () => {
    const { clock, directory, nodes, random } = makeWorld(['bank-hq', 'ledger']);
    const token = issueToken(nodes['bank-hq']!, {
      audience: 'ledger',
      rights: ['read:accounts/*'],
      clock,
      insecureRandomBytesForTests: random,
    });
    const forged = appendForgedBlock(token, ['read:accounts/../admin'], clock.now() + 1_000);
    const error = thrown(() => verifyToken(forged, { directory, audience: 'ledger', clock }));
    expect(error).toMatchObject({ code: 'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE', structure: 'token block' });
  });

  it('a /* wildcard covers whole segments only', () => {
    expect(rightCovers('read:accounts/*', 'read:accounts/42')).toBe(true);
    expect(rightCovers('read:accounts/*', 'read:accounts/42/history')).toBe(true);
    expect(rightCovers('read:accounts/*', 'read:accounts/7/*')).toBe(true);
    expect(rightCovers('read:accounts/*', 'read:accounts')).toBe(false);
    expect(rightCovers('read:accounts/*', 'read:accounts-archive/42')).toBe(false);
    expect(rightCovers('read:acc/*', 'read:accounts/42')).toBe(false);
    expect(rightCovers('read:accounts/42', 'read:accounts/*')).toBe(false);
    expect(rightCovers('*:accounts/42', 'delete:accounts/42')).toBe(true);
    expect(rightCovers('read:*', '*:accounts/42')).toBe(false);
  });

  it('property: covering is transitive, so a chain of narrowing blocks can never reach past its root', () => {
    const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', '...');
    const resource = fc.oneof(
      fc.constant('*'),
      fc
        .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean())
        .map(([path, wildcard]) => `${path.join('/')}${wildcard ? '/*' : ''}`),
    );
    const right = fc.tuple(fc.constantFrom('*', 'read', 'write'), resource).map(([action, res]) => `${action}:${res}`);
    fc.assert(
      fc.property(right, right, right, (a, b, c) => {
        if (rightCovers(a, b) && rightCovers(b, c)) expect(rightCovers(a, c)).toBe(true);
        expect(rightCovers(a, a)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
