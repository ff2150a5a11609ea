import { describe, expect, it } from 'vitest';
import { bytesEqual } from './bytes.js';
import { handshake, makeWorld, read, rejected, text } from './fixtures.test-util.js';
import { nativeHandshakeCrypto } from './handshake-crypto.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import { HandshakeResponder } from './handshake-responder.js';
import { Identity } from './identity.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';

const crypto = 'tweetnacl' as const;

describe('handshake', () => {
  it('establishes matching sessions: same id, same transcript, each side names the other', async () => {
    const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
    const run = await handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!);
    expect(run.initiator.id).toBe(run.responder.id);
    expect(bytesEqual(run.initiator.transcriptHash, run.responder.transcriptHash)).toBe(true);
    expect(run.initiator.peer).toEqual({ nodeId: 'bob', epoch: 1 });
    expect(run.responder.peer).toEqual({ nodeId: 'alice', epoch: 1 });
    expect(read(run.responder.open(run.initiator.seal(text('hi bob'))).data)).toBe('hi bob');
    expect(read(run.initiator.open(run.responder.seal(text('hi alice'))).data)).toBe('hi alice');
  });

  it('hides the initiator identity from passive observers: it never appears in clear', async () => {
    const { clock, directory, nodes } = makeWorld(['initiator-with-a-long-recognisable-name', 'bob']);
    const run = await handshake(
      { directory, clock, crypto },
      nodes['initiator-with-a-long-recognisable-name']!,
      nodes.bob!,
    );
    const needle = Buffer.from('recognisable');
    for (const message of [run.hello, run.response, run.finish])
      expect(Buffer.from(message).includes(needle)).toBe(false);
    expect(Buffer.from(run.response).includes(Buffer.from('bob'))).toBe(false);
  });

  it('gives the two directions different keys', async () => {
    const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
    const run = await handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!);
    const fromAlice = run.initiator.seal(text('x'));
    // Reflect alice's own frame back to her: wrong direction key.
    expect((await rejected(Promise.resolve().then(() => run.initiator.open(fromAlice)))).code).toBe(
      'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
    );
  });

  it('refuses a context mismatch (the prologue is bound into the transcript)', async () => {
    const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
    const i = new HandshakeInitiator({
      directory,
      clock,
      crypto,
      identity: nodes.alice!,
      peer: 'bob',
      context: 'bank',
    });
    const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob!, context: 'other-bank' });
    const response = await r.receiveHello(await i.start());
    expect((await rejected(i.receiveResponse(response))).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
  });

  it('copies every input on entry: a transport may overwrite its receive buffer as soon as the call returns', async () => {
    const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
    const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
    const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
    const receiveBuffer = new Uint8Array(1024);
    /** Puts `message` into the shared buffer, starts `step` on a view of it, and overwrites the buffer at once. */
    const viaReusedBuffer = <T>(message: Uint8Array, step: (view: Uint8Array) => Promise<T>): Promise<T> => {
      receiveBuffer.set(message);
      const pending = step(receiveBuffer.subarray(0, message.length));
      receiveBuffer.fill(0xee);
      return pending;
    };
    const hello = await i.start();
    const response = await viaReusedBuffer(hello, (view) => r.receiveHello(view));
    const { finish, session } = await viaReusedBuffer(response, (view) => i.receiveResponse(view));
    const responderSession = await viaReusedBuffer(finish, (view) => r.receiveFinish(view));
    expect(bytesEqual(session.transcriptHash, responderSession.transcriptHash)).toBe(true);
    expect(read(responderSession.open(session.seal(text('intact'))).data)).toBe('intact');
  });

  describe('reflection', () => {
    it('a HELLO reflected to its sender is refused', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const hello = await i.start();
      expect((await rejected(i.receiveResponse(hello))).code).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
      expect(i.state).toBe('failed');
    });

    it('a RESPONSE reflected to a responder, and a FINISH reflected to an initiator, are refused', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob!, context: '' });
      const response = await r.receiveHello(await i.start());
      expect((await rejected(r.receiveFinish(response))).code).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
      const r2 = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      expect((await rejected(r2.receiveHello(response))).code).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
    });

    it("alice's HELLO reflected to alice's own responder yields a RESPONSE her initiator refuses", async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const aliceAsResponder = new HandshakeResponder({ directory, clock, crypto, identity: nodes.alice! });
      const response = await aliceAsResponder.receiveHello(await i.start());
      const error = await rejected(i.receiveResponse(response));
      expect(error.code).toBe('ERR_PALISADE_MESSAGING_PEER_MISMATCH');
    });

    it('an initiator cannot be pointed at itself', () => {
      const { clock, directory, nodes } = makeWorld(['alice']);
      expect(() => new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'alice' })).toThrow(
        'another node than this one',
      );
    });
  });

  describe('man in the middle without the keys', () => {
    it('substituting its own ephemeral key in the HELLO breaks the responder signature check', async () => {
      const { clock, directory, nodes, random } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const hello = await i.start();
      const forged = Uint8Array.from(hello);
      forged.set(Identity.generate('x', { insecureRandomBytesForTests: random }).agreementPublicKey, 4);
      const response = await r.receiveHello(forged);
      // alice cannot even decrypt: the keys came from the attacker's DH.
      expect((await rejected(i.receiveResponse(response))).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
    });

    it('an attacker who runs its own handshakes with both sides cannot bridge them', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob', 'mallory']);
      // mallory is registered (a compromised branch), so the directory trusts mallory's key, but not as bob.
      const aliceToBob = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const malloryResponder = new HandshakeResponder({ directory, clock, crypto, identity: nodes.mallory! });
      const response = await malloryResponder.receiveHello(await aliceToBob.start());
      expect((await rejected(aliceToBob.receiveResponse(response))).code).toBe('ERR_PALISADE_MESSAGING_PEER_MISMATCH');
    });

    it('identity misbinding: replacing the FINISH with one made from another identity fails', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob', 'mallory']);
      const alice = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const bob = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const hello = await alice.start();
      const response = await bob.receiveHello(hello);
      // mallory relays the same RESPONSE into its own initiator, which cannot derive the keys.
      const mallory = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.mallory!, peer: 'bob' });
      await mallory.start();
      expect((await rejected(mallory.receiveResponse(response))).code).toBe(
        'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      );
      // and a FINISH from any other handshake does not authenticate under this one's keys
      const other = await handshake({ directory, clock, crypto }, nodes.mallory!, nodes.bob!);
      expect((await rejected(bob.receiveFinish(other.finish))).code).toBe(
        'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      );
    });

    it('a low-order ephemeral key is refused with a typed error', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const hello = Uint8Array.of(1, 1, 0, 0, ...new Uint8Array(32));
      expect((await rejected(r.receiveHello(hello))).code).toBe('ERR_PALISADE_MESSAGING_LOW_ORDER_POINT');
    });
  });

  describe('the directory decides', () => {
    it('refuses unknown initiators and responders', async () => {
      const { clock, directory, nodes, random } = makeWorld(['alice', 'bob']);
      const stranger = Identity.generate('stranger', { insecureRandomBytesForTests: random });
      expect((await rejected(handshake({ directory, clock, crypto }, stranger, nodes.bob!))).code).toBe(
        'ERR_PALISADE_MESSAGING_UNKNOWN_PEER',
      );
      expect((await rejected(handshake({ directory, clock, crypto }, nodes.alice!, stranger))).code).toBe(
        'ERR_PALISADE_MESSAGING_UNKNOWN_PEER',
      );
    });

    it('a revoked node cannot open new sessions, as initiator or responder', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      directory.revoke('alice', { reason: 'branch compromised' });
      expect((await rejected(handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!))).code).toBe(
        'ERR_PALISADE_MESSAGING_KEY_REVOKED',
      );
      expect((await rejected(handshake({ directory, clock, crypto }, nodes.bob!, nodes.alice!))).code).toBe(
        'ERR_PALISADE_MESSAGING_KEY_REVOKED',
      );
    });

    it('after rotation the old key works during the grace period only', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const newAlice = nodes.alice!.rotate();
      directory.rotate(newAlice.publicIdentity, { grace: 1_000 });
      await expect(handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!)).resolves.toBeDefined();
      await clock.advance(1_000);
      expect((await rejected(handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!))).code).toBe(
        'ERR_PALISADE_MESSAGING_KEY_RETIRED',
      );
      const run = await handshake({ directory, clock, crypto }, newAlice, nodes.bob!);
      expect(run.responder.peer).toEqual({ nodeId: 'alice', epoch: 2 });
    });

    it('a responder can refuse an authenticated but unauthorized peer', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob!, authorize: () => false });
      const { finish } = await i.receiveResponse(await r.receiveHello(await i.start()));
      expect((await rejected(r.receiveFinish(finish))).code).toBe('ERR_PALISADE_MESSAGING_PEER_MISMATCH');
    });
  });

  describe('tampering with handshake messages', () => {
    it('any single-bit flip in RESPONSE or FINISH is refused with a typed error', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const seen = new Set<string>();
      for (const target of ['response', 'finish'] as const) {
        for (let round = 0; round < 6; round++) {
          const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
          const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
          const response = await r.receiveHello(await i.start());
          const bit = (round * 97 + (target === 'finish' ? 13 : 0)) % (8 * 40);
          if (target === 'response') {
            const forged = Uint8Array.from(response);
            forged[bit >> 3]! ^= 1 << (bit & 7);
            const error = await rejected(i.receiveResponse(forged));
            seen.add(error.code ?? 'none');
          } else {
            const { finish } = await i.receiveResponse(response);
            const forged = Uint8Array.from(finish);
            forged[(bit >> 3) % forged.length]! ^= 1 << (bit & 7);
            const error = await rejected(r.receiveFinish(forged));
            seen.add(error.code ?? 'none');
          }
        }
      }
      for (const code of seen) expect(code).toMatch(/^ERR_PALISADE_/);
    });
  });

  describe('compromise of a long-term key', () => {
    it("holding alice's keys and all traffic gives nothing between bob and carol", async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob', 'carol']);
      const stolenAlice = nodes.alice!;
      const run = await handshake({ directory, clock, crypto }, nodes.bob!, nodes.carol!);
      const frame = run.initiator.seal(text('transfer 100 to carol'));
      // the attacker replays the captured HELLO into a responder running with the stolen keys…
      const attacker = new HandshakeResponder({ directory, clock, crypto, identity: stolenAlice });
      const response = await attacker.receiveHello(run.hello);
      expect(response).toBeDefined();
      // …and answers bob as carol: bob refuses, it is not carol's signature.
      const bobAgain = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.bob!, peer: 'carol' });
      await bobAgain.start();
      expect((await rejected(bobAgain.receiveResponse(response))).code).toMatch(
        /ERR_PALISADE_MESSAGING_(AUTHENTICATION_FAILED|PEER_MISMATCH)/,
      );
      // Forging frames into the bob-carol session: refused.
      const forged = Uint8Array.from(frame);
      forged[forged.length - 1]! ^= 1;
      expect(() => run.responder.open(forged)).toThrow(
        expect.objectContaining({ code: 'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED' }),
      );
      // An attacker session with stolen alice keys to carol yields a different session with a different key.
      const attackerRun = await handshake({ directory, clock, crypto }, stolenAlice, nodes.carol!);
      expect(() => attackerRun.responder.open(frame)).toThrow();
      expect(read(run.responder.open(frame).data)).toBe('transfer 100 to carol');
    });

    it('key-compromise impersonation: alice’s stolen keys do not let the attacker pose as bob to alice', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const stolen = nodes.alice!;
      const alice = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const asStolen = new HandshakeResponder({ directory, clock, crypto, identity: stolen });
      const response = await asStolen.receiveHello(await alice.start());
      expect((await rejected(alice.receiveResponse(response))).code).toBe('ERR_PALISADE_MESSAGING_PEER_MISMATCH');
      // nor to bob as anyone but alice
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: stolen, peer: 'bob' });
      const bob = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const { finish } = await i.receiveResponse(await bob.receiveHello(await i.start()));
      const session = await bob.receiveFinish(finish);
      expect(session.peer.nodeId).toBe('alice'); // it can only ever claim to be alice, and revocation stops that:
      directory.revoke('alice');
      expect((await rejected(handshake({ directory, clock, crypto }, stolen, nodes.bob!))).code).toBe(
        'ERR_PALISADE_MESSAGING_KEY_REVOKED',
      );
    });

    it('forward secrecy: recorded sessions of alice stay unreadable with her long-term keys', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const recorded = await handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!);
      const frame = recorded.initiator.seal(text('old secret'));
      // With alice's and even bob's long-term keys, replaying the recorded messages runs
      // new ephemeral keys: the session key differs, and the frame does not open.
      const replayResponder = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      await replayResponder.receiveHello(recorded.hello);
      expect((await rejected(replayResponder.receiveFinish(recorded.finish))).code).toBe(
        'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
      );
      const fresh = await handshake({ directory, clock, crypto }, nodes.alice!, nodes.bob!);
      expect(fresh.responder.id === recorded.responder.id && bytesEqual(fresh.hello, recorded.hello)).toBe(false);
      expect(() => fresh.responder.open(frame)).toThrow();
      // and the live session erases its keys on close
      recorded.initiator.close();
      expect(() => recorded.initiator.seal(text('x'))).toThrow(
        expect.objectContaining({ code: 'ERR_PALISADE_MESSAGING_SESSION_CLOSED' }),
      );
    });
  });

  describe('native and tweetnacl paths', () => {
    it('produce byte-identical transcripts from the same (insecure, test) randomness, and interoperate', async () => {
      const native = await nativeHandshakeCrypto();
      if (native === undefined) {
        expect(process.env.CI, 'WebCrypto Ed25519/X25519 is required under CI').toBeUndefined();
        return;
      }
      const runs = [];
      for (const [initiatorCrypto, responderCrypto] of [
        ['tweetnacl', 'tweetnacl'],
        ['native', 'native'],
        ['tweetnacl', 'native'],
        ['native', 'tweetnacl'],
      ] as const) {
        const { clock, directory, nodes } = makeWorld(['alice', 'bob'], 'differential');
        const base = { directory, clock, insecureRandomBytesForTests: insecureDeterministicRandomBytes('eph') };
        const run = await handshake(base, nodes.alice!, nodes.bob!, { crypto: initiatorCrypto, responderCrypto });
        expect(read(run.responder.open(run.initiator.seal(text('cross'))).data)).toBe('cross');
        runs.push(run);
      }
      const [reference, ...others] = runs;
      for (const run of others) {
        expect(Buffer.from(run.hello).equals(Buffer.from(reference!.hello))).toBe(true);
        expect(Buffer.from(run.response).equals(Buffer.from(reference!.response))).toBe(true);
        expect(Buffer.from(run.finish).equals(Buffer.from(reference!.finish))).toBe(true);
        expect(bytesEqual(run.initiator.transcriptHash, reference!.initiator.transcriptHash)).toBe(true);
      }
    });
  });

  describe('one step at a time', () => {
    it('a second RESPONSE while the first is being checked is refused, and the first still completes', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const response = await r.receiveHello(await i.start());
      const first = i.receiveResponse(response);
      const second = await rejected(i.receiveResponse(response));
      expect(second.code).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
      expect(second.message).toContain('already checking a RESPONSE');
      const { finish, session } = await first;
      expect(i.state).toBe('established');
      const responderSession = await r.receiveFinish(finish);
      expect(read(responderSession.open(session.seal(text('intact'))).data)).toBe('intact');
    });

    it('a RESPONSE before the HELLO is made is refused without failing the handshake', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const other = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const response = await r.receiveHello(await other.start());
      const hello = i.start();
      expect(i.state).toBe('waiting');
      const early = await rejected(i.receiveResponse(response));
      expect(early.code).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
      expect(early.message).toContain('still making its HELLO');
      const bob = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const { finish } = await i.receiveResponse(await bob.receiveHello(await hello));
      expect(i.state).toBe('established');
      expect(bob.state).toBe('waiting');
      await bob.receiveFinish(finish);
      expect(bob.state).toBe('established');
    });

    it('a second HELLO or FINISH while one is being worked on is refused, and the first still completes', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      const hello = await i.start();
      const answering = r.receiveHello(hello);
      expect((await rejected(r.receiveHello(hello))).message).toContain('still answering a HELLO');
      expect((await rejected(r.receiveFinish(hello))).message).toContain('still answering a HELLO');
      const { finish } = await i.receiveResponse(await answering);
      const checking = r.receiveFinish(finish);
      expect((await rejected(r.receiveFinish(finish))).message).toContain('already checking a FINISH');
      await checking;
      expect(r.state).toBe('established');
    });

    it('a failed step leaves the side failed; a new start or answer is refused', async () => {
      const { clock, directory, nodes } = makeWorld(['alice', 'bob']);
      const i = new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' });
      await i.start();
      await rejected(i.receiveResponse(new Uint8Array(3)));
      expect(i.state).toBe('failed');
      expect((await rejected(i.start())).message).toContain('the initiator is failed');
      const r = new HandshakeResponder({ directory, clock, crypto, identity: nodes.bob! });
      await rejected(r.receiveHello(new Uint8Array(3)));
      expect(r.state).toBe('failed');
      expect(
        (
          await rejected(
            r.receiveHello(
              await new HandshakeInitiator({ directory, clock, crypto, identity: nodes.alice!, peer: 'bob' }).start(),
            ),
          )
        ).code,
      ).toBe('ERR_PALISADE_MESSAGING_UNEXPECTED_MESSAGE');
    });
  });
});
