import { HandshakeInitiator, HandshakeResponder, Identity, KeyDirectory, type Session } from '@palisade/messaging';
import { nativeHandshakeCrypto } from '@palisade/messaging/primitives';
import nacl from 'tweetnacl';
import {
  type ContenderResult,
  compare,
  comparisonTable,
  formatRate,
  type Suite,
  table,
  targetTable,
} from '../harness.ts';

const alice = Identity.generate('alice');
const bob = Identity.generate('bob');
const directory = new KeyDirectory();
directory.register(alice.publicIdentity);
directory.register(bob.publicIdentity);

async function handshake(crypto: 'tweetnacl' | 'native'): Promise<{ initiator: Session; responder: Session }> {
  const i = new HandshakeInitiator({ identity: alice, directory, peer: 'bob', crypto });
  const r = new HandshakeResponder({ identity: bob, directory, crypto });
  const response = await r.receiveHello(await i.start());
  const { finish, session } = await i.receiveResponse(response);
  return { initiator: session, responder: await r.receiveFinish(finish) };
}

const medianOf = (results: readonly ContenderResult[], name: string): number =>
  results.find((r) => r.name === name)?.medianNs ?? Number.NaN;

async function throughput(size: number, batch: number) {
  // Sessions with limits high enough that rekeying never lands inside a timed sample.
  const { initiator, responder } = await handshake('tweetnacl');
  const message = nacl.randomBytes(size);
  const key = nacl.randomBytes(32);
  const nonce = nacl.randomBytes(24);
  const boxKey = nacl.box.before(bob.agreementPublicKey, nacl.box.keyPair().secretKey);
  const label = size >= 1024 ? `${size / 1024} KB` : `${size} B`;
  const results = await compare(
    [
      { name: `raw nacl.secretbox ${label}`, fn: () => nacl.secretbox(message, nonce, key) },
      { name: `nacl.box.after ${label}`, fn: () => nacl.box.after(message, nonce, boxKey) },
      { name: `session.seal ${label}`, fn: () => initiator.seal(message) },
      {
        name: `raw secretbox + open ${label}`,
        fn: () => nacl.secretbox.open(nacl.secretbox(message, nonce, key), nonce, key),
      },
      { name: `session seal + open ${label}`, fn: () => responder.open(initiator.seal(message)) },
    ],
    { batch },
  );
  return { label, results, size };
}

const suite: Suite = {
  title: '@palisade/messaging',
  async run() {
    const native = await nativeHandshakeCrypto();
    const small = await throughput(1024, 50);
    const large = await throughput(65536, 1);

    const { initiator, responder } = await handshake('tweetnacl');
    const message = nacl.randomBytes(1024);
    const sender = nacl.box.keyPair();
    const signer = nacl.sign.keyPair();
    const nonce = nacl.randomBytes(24);
    const naive = await compare(
      [
        {
          name: 'naive: nacl.box + nacl.sign (sender, 1 KB)',
          fn: () =>
            nacl.sign.detached(nacl.box(message, nonce, bob.agreementPublicKey, sender.secretKey), signer.secretKey),
        },
        { name: 'session.seal (sender, 1 KB)', fn: () => initiator.seal(message) },
      ],
      { time: 600 },
    );
    const bobBox = nacl.box.keyPair();
    const boxedForBob = nacl.box(message, nonce, bobBox.publicKey, sender.secretKey);
    const roundTrips = await compare(
      [
        {
          name: 'naive round trip: box + sign, verify + box.open',
          fn: () => {
            const b = nacl.box(message, nonce, bobBox.publicKey, sender.secretKey);
            const s = nacl.sign.detached(b, signer.secretKey);
            nacl.sign.detached.verify(b, s, signer.publicKey);
            nacl.box.open(boxedForBob, nonce, sender.publicKey, bobBox.secretKey);
          },
        },
        { name: 'session round trip: seal + open', fn: () => responder.open(initiator.seal(message)) },
      ],
      { time: 600 },
    );

    const handshakeContenders = [{ name: 'handshake, pure tweetnacl', fn: () => handshake('tweetnacl') }];
    if (native !== undefined)
      handshakeContenders.push({ name: 'handshake, native WebCrypto', fn: () => handshake('native') });
    const handshakes = await compare(handshakeContenders, { time: 1_500 });

    const ratio = (results: readonly ContenderResult[], reference: string, contender: string) =>
      medianOf(results, reference) / medianOf(results, contender);
    const pureHandshake = medianOf(handshakes, 'handshake, pure tweetnacl');
    const nativeHandshake = medianOf(handshakes, 'handshake, native WebCrypto');

    const targets = [
      {
        label: 'session.seal throughput ÷ raw nacl.secretbox, 1 KB',
        measured: ratio(small.results, 'raw nacl.secretbox 1 KB', 'session.seal 1 KB'),
        limit: 0.85,
        kind: 'min' as const,
      },
      {
        label: 'session.seal throughput ÷ raw nacl.secretbox, 64 KB',
        measured: ratio(large.results, 'raw nacl.secretbox 64 KB', 'session.seal 64 KB'),
        limit: 0.85,
        kind: 'min' as const,
      },
      {
        label: 'seal + open throughput ÷ raw secretbox + open, 1 KB',
        measured: ratio(small.results, 'raw secretbox + open 1 KB', 'session seal + open 1 KB'),
        limit: 0.85,
        kind: 'min' as const,
      },
      {
        label: 'seal + open throughput ÷ raw secretbox + open, 64 KB',
        measured: ratio(large.results, 'raw secretbox + open 64 KB', 'session seal + open 64 KB'),
        limit: 0.85,
        kind: 'min' as const,
      },
      {
        label: 'session message speed-up over naive box + sign (sender)',
        measured: ratio(naive, 'naive: nacl.box + nacl.sign (sender, 1 KB)', 'session.seal (sender, 1 KB)'),
        limit: 40,
        kind: 'min' as const,
        format: (v: number) => `${v.toFixed(0)}×`,
      },
      {
        label: 'session round-trip speed-up over naive (box + sign, verify + open)',
        measured: ratio(
          roundTrips,
          'naive round trip: box + sign, verify + box.open',
          'session round trip: seal + open',
        ),
        limit: 40,
        kind: 'min' as const,
        format: (v: number) => `${v.toFixed(0)}×`,
      },
      {
        label: 'native handshake speed-up over pure tweetnacl',
        measured: native === undefined ? 0 : pureHandshake / nativeHandshake,
        limit: 10,
        kind: 'min' as const,
        format: (v: number) => `${v.toFixed(1)}×`,
      },
    ];

    const mbPerSecond = (ns: number, size: number) => `${((size / ns) * 1e3).toFixed(0)} MB/s`;
    return [
      'Sessions seal with `crypto_secretbox` in place after an 18-byte header whose bytes form the nonce, so a frame costs one secretbox plus a header. Anchors in the same run: raw `nacl.secretbox`, `nacl.box.after` (precomputed X25519), and the naive "`nacl.box` + `nacl.sign` per message".',
      '',
      '### Channel throughput, 1 KB',
      '',
      comparisonTable(small.results, ['raw nacl.secretbox 1 KB', 'raw secretbox + open 1 KB']),
      '',
      '### Channel throughput, 64 KB',
      '',
      comparisonTable(large.results, ['raw nacl.secretbox 64 KB', 'raw secretbox + open 64 KB']),
      '',
      table(
        ['64 KB', 'MB/s'],
        large.results.map((r) => [r.name, mbPerSecond(r.medianNs, large.size)]),
      ),
      '',
      '### Session message vs naive box + sign per message',
      '',
      comparisonTable(naive, ['naive: nacl.box + nacl.sign (sender, 1 KB)']),
      '',
      comparisonTable(roundTrips, ['naive round trip: box + sign, verify + box.open']),
      '',
      '### Handshake rate (both sides, three messages, no transport)',
      '',
      native === undefined
        ? 'WebCrypto Ed25519/X25519 is not available on this platform: only the pure path ran.'
        : `Pure tweetnacl: ${formatRate(1e9 / pureHandshake)}; native WebCrypto: ${formatRate(1e9 / nativeHandshake)}.`,
      '',
      comparisonTable(handshakes, ['handshake, pure tweetnacl']),
      '',
      '### Targets (issue 6)',
      '',
      targetTable(targets),
    ].join('\n');
  },
};

export default suite;
