import { hashKey, rendezvousRouter } from '@palisade/queue';

/** What every contender shares: shards, keys, and how a key picks its shard (the raw BullMQ contender routes as palisade does). */
export const SHARDS = 4;
export const KEY_COUNT = 200;
export const keyOf = (index: number): string => `user${index % KEY_COUNT}`;
const router = rendezvousRouter().create(Array.from({ length: SHARDS }, (_, shard) => shard));
export const shardOf = (key: string): number => router.route(hashKey(key));
/** The raw BullMQ contender's shard queues: the same hash-tagged layout as palisade's. */
export const rawQueueName = (shard: number): string => `{raw.s${shard}}`;

export type Contender = 'palisade' | 'bullmq' | 'groupmq';

export interface WorkerSpec {
  readonly contender: Contender;
  readonly url: string;
  /** The namespace (palisade's queue name, GroupMQ's namespace). */
  readonly name: string;
  /** Busy CPU per job, in ms. */
  readonly cpu: number;
  /** palisade's engine options; the defaults when absent. */
  readonly engine?: Record<string, number>;
  /** Report every job's start (for the redelivery figure). */
  readonly reportStarts?: boolean;
  /** palisade: every job asks for its fencing token (one more Redis command per job). */
  readonly fencing?: boolean;
  /** GroupMQ jobs at once per process, so that every contender runs SHARDS jobs at once in total. */
  readonly concurrency?: number;
}

/** Messages from a worker to the suite. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'count'; readonly done: number; readonly at: number }
  | { readonly type: 'start'; readonly label: string; readonly at: number };
