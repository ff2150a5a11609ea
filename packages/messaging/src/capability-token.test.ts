import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attenuateToken, decodeToken, issueToken, verifyToken } from './capability-token.js';
import { makeWorld, thrown } from './fixtures.test-util.js';
import { rightCovers } from './rights.js';
import { appendForgedBlock } from './token-forgery.test-util.js';

function setup() {
  const world = makeWorld(['bank-hq', 'branch-a', 'ledger']);
  const { clock, directory, nodes, random } = world;
  const issue = (rights: string[], ttl = 60_000) =>
    issueToken(nodes['bank-hq']!, { audience: 'ledger', rights, ttl, clock, insecureRandomBytesForTests: random });
  const verify = (token: Uint8Array, right?: string, audience = 'ledger') =>
    verifyToken(token, { directory, audience, right, clock });
  return { ...world, issue, verify };
}

describe('capability tokens', () => {
  it('issue and verify: issuer, audience, rights, expiry', () => {
    const { issue, verify, clock } = setup();
    const token = issue(['read:accounts/*', 'write:accounts/42']);
    const verified = verify(token, 'read:accounts/7');
    expect(verified).toMatchObject({ issuer: 'bank-hq', audience: 'ledger', attenuations: 0 });
    expect(verified.expiresAt).toBe(clock.now() + 60_000);
    expect(verify(token, 'write:accounts/42').rights).toEqual(['read:accounts/*', 'write:accounts/42']);
    expect(thrown(() => verify(token, 'write:accounts/43')).code).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
  });

  it('refuses the wrong audience', () => {
    const { issue, verify } = setup();
    expect(thrown(() => verify(issue(['read:x']), undefined, 'branch-a')).code).toBe(
      'ERR_PALISADE_MESSAGING_TOKEN_AUDIENCE',
    );
  });

  it('expires, with tolerated clock skew', async () => {
    const { issue, verify, clock } = setup();
    const token = issue(['read:x'], 1_000);
    await clock.advance(1_000 + 30_000);
    expect(verify(token).issuer).toBe('bank-hq');
    await clock.advance(1);
    expect(thrown(() => verify(token)).code).toBe('ERR_PALISADE_MESSAGING_TOKEN_EXPIRED');
  });

  it('is not valid before notBefore minus skew', () => {
    const { nodes, clock, directory, random } = setup();
    const token = issueToken(nodes['bank-hq']!, {
      audience: 'ledger',
      rights: ['read:x'],
      notBefore: clock.now() + 60_000,
      ttl: 120_000,
      clock,
      insecureRandomBytesForTests: random,
    });
    expect(thrown(() => verifyToken(token, { directory, audience: 'ledger', clock })).code).toBe(
      'ERR_PALISADE_MESSAGING_TOKEN_NOT_YET_VALID',
    );
  });

  it('is refused once its revocation id is revoked, attenuated copies included', () => {
    const { issue, verify, directory, clock, random } = setup();
    const token = issue(['read:x']);
    const narrowed = attenuateToken(token, { rights: ['read:x'], clock, insecureRandomBytesForTests: random });
    const revoked: string[] = [];
    directory.onRevoke((event) => event.kind === 'token' && revoked.push(event.revocationId));
    directory.revokeToken(decodeToken(token).root.revocationId);
    expect(thrown(() => verify(token)).code).toBe('ERR_PALISADE_MESSAGING_TOKEN_REVOKED');
    expect(thrown(() => verify(narrowed)).code).toBe('ERR_PALISADE_MESSAGING_TOKEN_REVOKED');
    expect(revoked).toHaveLength(1);
  });

  it('an attenuated copy can be revoked alone', () => {
    const { issue, verify, directory, clock, random } = setup();
    const token = issue(['read:x']);
    const narrowed = attenuateToken(token, { clock, insecureRandomBytesForTests: random });
    directory.revokeToken(decodeToken(narrowed).blocks[1]!.revocationId);
    expect(verify(token).issuer).toBe('bank-hq');
    expect(thrown(() => verify(narrowed)).code).toBe('ERR_PALISADE_MESSAGING_TOKEN_REVOKED');
  });

  it("is refused when the issuer's key is revoked or unknown", () => {
    const { issue, verify, directory } = setup();
    const token = issue(['read:x']);
    directory.revoke('bank-hq');
    expect(thrown(() => verify(token)).code).toBe('ERR_PALISADE_MESSAGING_KEY_REVOKED');
  });

  it('attenuation narrows offline: rights and expiry', () => {
    const { issue, verify, clock, random } = setup();
    const token = issue(['read:accounts/*', 'write:accounts/*']);
    const readOnly = attenuateToken(token, {
      rights: ['read:accounts/42'],
      ttl: 10_000,
      clock,
      insecureRandomBytesForTests: random,
    });
    const verified = verify(readOnly, 'read:accounts/42');
    expect(verified).toMatchObject({ attenuations: 1, rights: ['read:accounts/42'], expiresAt: clock.now() + 10_000 });
    expect(thrown(() => verify(readOnly, 'write:accounts/42')).code).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
    expect(thrown(() => verify(readOnly, 'read:accounts/43')).code).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
  });

  it('attenuation can never widen: refused at attenuate time…', () => {
    const { issue, clock, random } = setup();
    const token = issue(['read:accounts/42']);
    const widen = (rights: string[]) => () =>
      attenuateToken(token, { rights, clock, insecureRandomBytesForTests: random });
    expect(thrown(widen(['read:accounts/*'])).code).toBe('ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS');
    expect(thrown(widen(['*:accounts/42'])).code).toBe('ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS');
    expect(thrown(() => attenuateToken(token, { ttl: 10 ** 9, clock })).code).toBe(
      'ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS',
    );
  });

  it('…and a holder-signed block that widens to *:* grants nothing the issuer did not (forged from the wire format)', () => {
    const { issue, verify, clock } = setup();
    const token = issue(['read:accounts/42']);
    const forged = appendForgedBlock(token, ['*:*'], clock.now() + 60_000);
    const verified = verify(forged);
    expect(verified.attenuations).toBe(1);
    expect(verified.rights).toEqual([]);
    for (const request of ['write:accounts/42', 'read:accounts/43', '*:*', 'read:accounts/42']) {
      expect(thrown(() => verify(forged, request)).code, request).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
    }
  });

  it('a forged block keeps only the rights every earlier block covers, however deep the forgery', () => {
    const { issue, verify, clock, random } = setup();
    const token = issue(['read:accounts/*', 'write:accounts/42']);
    const expiry = clock.now() + 60_000;
    const forged = appendForgedBlock(
      token,
      ['read:accounts/7', '*:*', 'write:accounts/*', 'delete:accounts/7'],
      expiry,
    );
    expect(verify(forged).rights).toEqual(['read:accounts/7']);
    // A widening block in the middle of the chain is no stepping stone either.
    const middle = appendForgedBlock(
      appendForgedBlock(token, ['*:*'], expiry),
      ['write:admin', 'read:accounts/9'],
      expiry,
    );
    expect(verify(middle).rights).toEqual(['read:accounts/9']);
    expect(thrown(() => verify(middle, 'write:admin')).code).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
    // attenuateToken works from what the chain grants, not from what the last block claims.
    expect(attenuateToken(forged, { clock, insecureRandomBytesForTests: random }).length).toBeGreaterThan(
      forged.length,
    );
    expect(verify(attenuateToken(forged, { clock, insecureRandomBytesForTests: random })).rights).toEqual([
      'read:accounts/7',
    ]);
    const empty = appendForgedBlock(token, ['*:*'], expiry);
    expect(thrown(() => attenuateToken(empty, { clock, insecureRandomBytesForTests: random })).code).toBe(
      'ERR_PALISADE_INVALID_ARGUMENT',
    );
  });

  it('property: for hand-made chains, .rights holds only what every block covers, and agrees with the request check', () => {
    const { issue, verify, clock } = setup();
    const rootRights = ['read:a/*', 'write:a/b/*', 'read:c'];
    const root = issue(rootRights);
    const candidates = [
      'read:a/*',
      'read:a/x',
      'write:a/b/*',
      'write:a/b/c',
      'read:c',
      'read:*',
      'write:*',
      '*:*',
      '*:a/*',
    ];
    const requests = ['read:a/x', 'read:a/b/c', 'write:a/b/c', 'write:a/x', 'read:c', 'read:d', 'delete:a/x', '*:*'];
    fc.assert(
      fc.property(fc.array(fc.subarray(candidates, { minLength: 1 }), { minLength: 1, maxLength: 3 }), (chain) => {
        let token = root;
        for (const rights of chain) token = appendForgedBlock(token, rights, clock.now() + 60_000);
        const blocks = [rootRights, ...chain];
        const verified = verify(token);
        for (const right of verified.rights) {
          for (const block of blocks) expect(block.some((granted) => rightCovers(granted, right))).toBe(true);
        }
        for (const request of requests) {
          let allowed = true;
          try {
            verify(token, request);
          } catch (error) {
            expect((error as { code: string }).code).toBe('ERR_PALISADE_MESSAGING_RIGHT_NOT_GRANTED');
            allowed = false;
          }
          expect(allowed, request).toBe(verified.rights.some((right) => rightCovers(right, request)));
          if (allowed)
            for (const block of blocks) expect(block.some((granted) => rightCovers(granted, request))).toBe(true);
        }
      }),
      // Each run signs and verifies a dozen tokens in pure-JS Ed25519; npm test runs every suite at once on two cores.
      { numRuns: 15 },
    );
  });

  it('property: whatever chain of attenuations a holder builds, verified rights only shrink', () => {
    const { issue, verify, clock, random } = setup();
    const root = issue(['read:a/*', 'write:a/b/*', 'read:c']);
    const requests = ['read:a/x', 'read:a/b/c', 'write:a/b/c', 'write:a/x', 'read:c', 'read:d', 'delete:a/x'];
    const candidates = ['read:a/*', 'read:a/x', 'write:a/b/*', 'write:a/b/c', 'read:c', 'read:a/b/c', 'write:*', '*:*'];
    fc.assert(
      fc.property(fc.array(fc.subarray(candidates, { minLength: 1 }), { minLength: 1, maxLength: 3 }), (chain) => {
        let token = root;
        for (const rights of chain) {
          try {
            token = attenuateToken(token, { rights, clock, insecureRandomBytesForTests: random });
          } catch (error) {
            expect((error as { code: string }).code).toBe('ERR_PALISADE_MESSAGING_ATTENUATION_WIDENS');
          }
        }
        for (const request of requests) {
          let allowed = true;
          try {
            verify(token, request);
          } catch {
            allowed = false;
          }
          const rootAllows = ['read:a/*', 'write:a/b/*', 'read:c'].some((r) => rightCovers(r, request));
          if (allowed) expect(rootAllows).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('refuses tampering anywhere (sampled bits) with a typed error', () => {
    const { issue, verify } = setup();
    const token = issue(['read:x']);
    for (let bit = 3; bit < token.length * 8; bit += 37) {
      const forged = Uint8Array.from(token);
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(thrown(() => verify(forged, 'read:x')).code, `bit ${bit}`).toMatch(/^ERR_PALISADE_/);
    }
  });
});
