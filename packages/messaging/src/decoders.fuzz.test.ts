import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, issueToken } from './capability-token.js';
import { MessagingError } from './errors.js';
import { type HandshakeRun, handshake, makeWorld } from './fixtures.test-util.js';
import { decodeFinish, decodeHello, decodeResponse } from './handshake-messages.js';
import { openSealed, sealTo } from './sealed-box.js';
import { peekMessageType } from './wire.js';

/** Every code a decoder may throw. Anything else (or any other exception) fails the test. */
const STABLE_CODES = new Set([
  'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE',
  'ERR_PALISADE_MESSAGING_UNSUPPORTED_VERSION',
  'ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE',
  'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
  'ERR_PALISADE_MESSAGING_REPLAYED_MESSAGE',
  'ERR_PALISADE_MESSAGING_STALE_EPOCH',
  'ERR_PALISADE_MESSAGING_UNKNOWN_SESSION',
  'ERR_PALISADE_MESSAGING_LOW_ORDER_POINT',
]);

const RUNS = 100_000;

/** Random bytes, or a valid message mutated: bit flips, byte overwrites, truncation, extension, splices. */
function inputs(valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7f, 0xff) }),
  );
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([base, steps]) => {
      let bytes = Uint8Array.from(base);
      for (const step of steps) {
        if (bytes.length === 0) break;
        if (step.kind === 'flip') bytes[step.at % bytes.length]! ^= 1 << step.bit;
        else if (step.kind === 'set' || step.kind === 'length') bytes[step.at % bytes.length] = step.value;
        else if (step.kind === 'truncate') bytes = bytes.subarray(0, step.at % bytes.length);
        else bytes = Uint8Array.from([...bytes, ...step.extra]);
      }
      return bytes;
    });
  const randomWithHeader = fc
    .tuple(fc.constantFrom(...valid.map((v) => v[1] ?? 0)), fc.uint8Array({ maxLength: 200 }))
    .map(([type, rest]) => Uint8Array.from([1, type, ...rest]));
  return fc.oneof(mutated, fc.uint8Array({ maxLength: 300 }), randomWithHeader);
}

function onlyTypedErrors(
  decode: (bytes: Uint8Array) => unknown,
  arbitrary: fc.Arbitrary<Uint8Array>,
  numRuns = RUNS,
): number {
  let failures = 0;
  fc.assert(
    fc.property(arbitrary, (bytes) => {
      try {
        decode(bytes);
      } catch (error) {
        failures++;
        if (!(error instanceof MessagingError) || !STABLE_CODES.has(error.code)) throw error;
      }
    }),
    { numRuns, seed: 6 },
  );
  return failures;
}

describe(`decoders under ${RUNS.toLocaleString('en')} random or mutated inputs each`, () => {
  let run: HandshakeRun;
  let tokens: Uint8Array[];
  let world: ReturnType<typeof makeWorld>;

  beforeAll(async () => {
    world = makeWorld(['alice', 'bob']);
    run = await handshake(
      { directory: world.directory, clock: world.clock, crypto: 'tweetnacl' },
      world.nodes.alice!,
      world.nodes.bob!,
    );
    tokens = [issueToken(world.nodes.alice!, { audience: 'bob', rights: ['read:x', 'write:y/*'], clock: world.clock })];
  });

  it('HELLO', () => {
    expect(onlyTypedErrors(decodeHello, inputs([run.hello]))).toBeGreaterThan(RUNS / 2);
  });

  it('RESPONSE', () => {
    expect(onlyTypedErrors(decodeResponse, inputs([run.response]))).toBeGreaterThan(RUNS / 2);
  });

  it('FINISH', () => {
    expect(onlyTypedErrors(decodeFinish, inputs([run.finish]))).toBeGreaterThan(RUNS / 2);
  });

  it('session frames (decoding and authentication)', () => {
    const frames = [
      run.initiator.seal(new Uint8Array(0)),
      run.initiator.seal(new Uint8Array(50)),
      run.initiator.sealKeepalive(),
    ];
    const failures = onlyTypedErrors((bytes) => run.responder.open(bytes), inputs(frames));
    expect(failures).toBeGreaterThan(RUNS * 0.95);
  });

  it('tokens', () => {
    expect(onlyTypedErrors(decodeToken, inputs(tokens))).toBeGreaterThan(RUNS / 2);
  });

  // Each well-formed candidate costs an X25519 here, so a tenth of the runs keeps the suite fast.
  it('sealed boxes (10,000 inputs)', () => {
    const sealed = sealTo(world.nodes.bob!, new Uint8Array(20));
    const failures = onlyTypedErrors((bytes) => openSealed(world.nodes.bob!, bytes), inputs([sealed]), RUNS / 10);
    expect(failures).toBeGreaterThan((RUNS / 10) * 0.9);
  });

  it('the type peek every receiver starts with', () => {
    onlyTypedErrors((bytes) => peekMessageType(bytes), inputs([run.hello, run.finish]));
  });
});
