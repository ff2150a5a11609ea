import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import { compareAndSetRing } from './script.js';

/** A shard taken out of the ring, still served until it has drained. */
export interface RetiringShard {
  readonly id: number;
  /** Redis time (ms) when its handoff completed; 0 while the handoff is in progress. */
  readonly since: number;
}

/**
 * A resize in progress. The receiving shards are paused (BullMQ's global
 * pause) until every giving shard has run the fence job that was queued
 * behind the jobs routed to it under the old ring.
 */
export interface Gate {
  readonly epoch: number;
  readonly previousShards: readonly number[];
  /** Shards that keys move away from. */
  readonly givers: readonly number[];
  /** Shards that keys move to: paused until `pending` is empty. */
  readonly receivers: readonly number[];
  /** Givers whose fence has not run yet. */
  readonly pending: readonly number[];
  /** `'acks'`: waiting for every live process to switch to the new ring; `'fenced'`: fence jobs queued. */
  readonly stage: 'acks' | 'fenced';
}

/** The last gate that opened, kept until its receivers are known to be resumed. */
export interface OpenedGate {
  readonly epoch: number;
  readonly givers: readonly number[];
  readonly receivers: readonly number[];
  readonly resumed: boolean;
}

/** The shard ring every producer and worker of a queue agrees on, stored as one JSON value. */
export interface RingState {
  /** Bumped by every write; writes compare and set on it. */
  readonly version: number;
  /** A random id, new each time the ring is created: a different one means Redis lost the queue's data. */
  readonly generation: string;
  /** Bumped by every resize. */
  readonly epoch: number;
  readonly router: string;
  readonly ordered: boolean;
  /** The active shards, in the order they were added. */
  readonly shards: readonly number[];
  readonly retiring: readonly RetiringShard[];
  /** Every shard id ever used, so running totals keep a removed shard's counts. */
  readonly everShards: readonly number[];
  readonly gate: Gate | null;
  readonly opened: OpenedGate | null;
  /**
   * Receivers paused for a resize whose ring has not switched yet. If the
   * process driving it dies here, whoever finishes for it resumes them: the
   * resize did not happen.
   */
  readonly pausing: { readonly epoch: number; readonly receivers: readonly number[] } | null;
}

export function parseRing(json: string): RingState {
  return JSON.parse(json) as RingState;
}

export async function readRing(client: RedisClient, keys: RedisKeys): Promise<RingState | undefined> {
  const json = await client.get(keys.ring);
  return json === null ? undefined : parseRing(json);
}

/** Creates the ring if there is none; returns the stored one either way. */
export async function initRing(
  client: RedisClient,
  keys: RedisKeys,
  fresh: Omit<RingState, 'version'>,
): Promise<RingState> {
  const ring: RingState = { version: 1, ...fresh };
  await client.set(keys.ring, JSON.stringify(ring), 'NX');
  return (await readRing(client, keys)) as RingState;
}

/**
 * Applies `change` to the stored ring with compare-and-set, retrying on a
 * concurrent write. `change` returns undefined to leave the ring as it is.
 * Returns the ring as written (or as read, when unchanged).
 */
export async function updateRing(
  client: RedisClient,
  keys: RedisKeys,
  change: (ring: RingState) => Omit<RingState, 'version'> | undefined,
): Promise<{ ring: RingState; changed: boolean }> {
  for (let tries = 0; tries < 100; tries++) {
    const ring = await readRing(client, keys);
    if (ring === undefined) throw new Error(`the ring ${keys.ring} is missing from Redis`);
    const next = change(ring);
    if (next === undefined) return { ring, changed: false };
    const written: RingState = { ...next, version: ring.version + 1 };
    if ((await compareAndSetRing.run(client, [keys.ring], [ring.version, JSON.stringify(written)])) === 1) {
      return { ring: written, changed: true };
    }
  }
  throw new Error(`the ring ${keys.ring} kept changing under 100 attempts to update it`);
}

/** Shards a worker serves: the ring's, then the retiring ones. */
export function servedShards(ring: RingState): number[] {
  return [...ring.shards, ...ring.retiring.map((shard) => shard.id)];
}
