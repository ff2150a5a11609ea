import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from './bytes.js';
import { issueToken } from './capability-token.js';
import { handshake, makeWorld, readVectors, text } from './fixtures.test-util.js';
import type { CryptoChoice } from './handshake-crypto.js';
import { nativeHandshakeCrypto } from './handshake-crypto.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';
import { sealTo } from './sealed-box.js';

const goldenUrl = new URL('../test/vectors/golden-v1.json', import.meta.url);

/** Every wire structure of version 1, made from the insecure test seed "golden-v1". */
async function generate(crypto: CryptoChoice): Promise<Record<string, string | number>> {
  const { clock, directory, nodes } = makeWorld(['branch-a', 'branch-b'], 'golden-v1');
  const random = insecureDeterministicRandomBytes('golden-v1 ephemeral');
  const run = await handshake(
    { directory, clock, crypto, context: 'palisade golden', insecureRandomBytesForTests: random },
    nodes['branch-a']!,
    nodes['branch-b']!,
  );
  const stream = await handshake(
    { directory, clock, crypto, insecureRandomBytesForTests: random },
    nodes['branch-a']!,
    nodes['branch-b']!,
    { mode: 'stream' },
  );
  return {
    seed: 'golden-v1',
    clock: clock.now(),
    aSigningPublicKey: toHex(nodes['branch-a']!.signingPublicKey),
    aAgreementPublicKey: toHex(nodes['branch-a']!.agreementPublicKey),
    bSigningPublicKey: toHex(nodes['branch-b']!.signingPublicKey),
    bAgreementPublicKey: toHex(nodes['branch-b']!.agreementPublicKey),
    context: 'palisade golden',
    hello: toHex(run.hello),
    response: toHex(run.response),
    finish: toHex(run.finish),
    sessionId: run.initiator.id,
    transcriptHash: toHex(run.initiator.transcriptHash),
    dataFrame: toHex(run.initiator.seal(text('hello, branch b'))),
    keepaliveFrame: toHex(run.responder.sealKeepalive()),
    streamHello: toHex(stream.hello),
    streamFrame: toHex(stream.initiator.seal(text('part 1'))),
    streamFinal: toHex(stream.initiator.end(text('last part'))),
    sealedBox: toHex(sealTo(nodes['branch-b']!, text('enrolment secret'), { insecureRandomBytesForTests: random })),
    token: toHex(
      issueToken(nodes['branch-a']!, {
        audience: 'branch-b',
        rights: ['read:accounts/*'],
        ttl: 60_000,
        clock,
        insecureRandomBytesForTests: random,
      }),
    ),
  };
}

describe('golden vectors (wire version 1)', () => {
  it('the committed vectors are what this build produces, byte for byte', async () => {
    const produced = await generate('tweetnacl');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenUrl)) {
      writeFileSync(goldenUrl, `${JSON.stringify(produced, null, 2)}\n`);
    }
    expect(produced).toEqual(readVectors('golden-v1.json'));
  });

  it('the native crypto path produces the same bytes', async () => {
    if ((await nativeHandshakeCrypto()) === undefined) {
      expect(process.env.CI, 'WebCrypto Ed25519/X25519 is required under CI').toBeUndefined();
      return;
    }
    expect(await generate('native')).toEqual(readVectors('golden-v1.json'));
  });
});
