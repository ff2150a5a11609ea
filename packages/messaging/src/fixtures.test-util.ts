import { readFileSync } from 'node:fs';
import { VirtualClock } from '@palisade/core';
import type { CryptoChoice } from './handshake-crypto.js';
import { HandshakeInitiator } from './handshake-initiator.js';
import type { HandshakeOptions } from './handshake-options.js';
import { HandshakeResponder } from './handshake-responder.js';
import { Identity } from './identity.js';
import { KeyDirectory } from './key-directory.js';
import { insecureDeterministicRandomBytes } from './random-bytes.js';
import type { Session, SessionMode } from './session.js';
import type { SessionLimits } from './session-limits.js';

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../test/vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

/** Deterministic nodes that all trust each other, on one virtual clock. */
export function makeWorld(names: readonly string[], seed = 'world') {
  const clock = new VirtualClock({ now: 1_700_000_000_000 });
  const directory = new KeyDirectory({ clock });
  const random = insecureDeterministicRandomBytes(seed);
  const nodes = Object.fromEntries(
    names.map((name) => {
      const identity = Identity.generate(name, { insecureRandomBytesForTests: random });
      directory.register(identity.publicIdentity);
      return [name, identity];
    }),
  ) as Record<string, Identity>;
  return { clock, directory, nodes, random };
}

export interface HandshakeRun {
  readonly hello: Uint8Array;
  readonly response: Uint8Array;
  readonly finish: Uint8Array;
  readonly initiator: Session;
  readonly responder: Session;
}

/** Runs the three messages directly, with no transport. */
export async function handshake(
  base: Omit<HandshakeOptions, 'identity'>,
  initiator: Identity,
  responder: Identity,
  extra: { mode?: SessionMode; crypto?: CryptoChoice; limits?: SessionLimits; responderCrypto?: CryptoChoice } = {},
): Promise<HandshakeRun> {
  const i = new HandshakeInitiator({
    ...base,
    identity: initiator,
    peer: responder.nodeId,
    mode: extra.mode,
    crypto: extra.crypto ?? base.crypto,
    limits: extra.limits,
  });
  const r = new HandshakeResponder({
    ...base,
    identity: responder,
    crypto: extra.responderCrypto ?? extra.crypto ?? base.crypto,
    limits: extra.limits,
  });
  const hello = await i.start();
  const response = await r.receiveHello(hello);
  const { finish, session } = await i.receiveResponse(response);
  const responderSession = await r.receiveFinish(finish);
  return { hello, response, finish, initiator: session, responder: responderSession };
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const read = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Runs `fn` and returns what it threw (or fails the test if it did not throw). */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

export async function rejected(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
