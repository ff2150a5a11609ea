import { Redis } from 'ioredis';
import { Identity } from './identity.js';
import { KeyDirectory } from './key-directory.js';

/** ioredis options for the test server at `url`, reconnecting fast so that fault tests stay short. */
export function testConnection(url: string): { host: string; port: number; retryStrategy: () => number } {
  return { host: '127.0.0.1', port: Number(new URL(url).port), retryStrategy: () => 50 };
}

/** A client of the test's own, to look into Redis and to play the attacker. */
export function testClient(url: string): Redis {
  const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 3 });
  client.on('error', () => {});
  return client;
}

/** Two identities in one directory. */
export function aliceAndBob(): { alice: Identity; bob: Identity; directory: KeyDirectory } {
  const alice = Identity.generate('alice');
  const bob = Identity.generate('bob');
  const directory = new KeyDirectory();
  directory.register(alice.publicIdentity);
  directory.register(bob.publicIdentity);
  return { alice, bob, directory };
}

/** Kills the connection named `name` (`CLIENT KILL ID`); returns whether one was found. */
export async function killClient(admin: Redis, name: string): Promise<boolean> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((each) => each.includes(` name=${name} `));
  const id = line === undefined ? undefined : /(?:^|\s)id=(\d+)/.exec(line)?.[1];
  if (id === undefined) return false;
  await admin.call('CLIENT', 'KILL', 'ID', id);
  return true;
}

/** Polls `condition` every few ms until it holds, for at most `timeout` ms; returns whether it did. */
export async function eventually(condition: () => boolean, timeout = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
