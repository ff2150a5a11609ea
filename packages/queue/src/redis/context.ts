import { Queue } from 'bullmq';
import type { JobEventSink, JobQueueConfig } from '../jobs/engine.js';
import type { JobHandler } from '../jobs/types.js';
import { hashKey, type QueueKey } from '../key.js';
import type { ShardRouter } from '../shard-router.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { Membership } from './membership.js';
import type { ResolvedRedisOptions } from './options.js';
import type { RingState } from './ring.js';

/**
 * A job's data in Redis. Short field names: this is stored once per job.
 * The payload stays a JSON string inside, so every attempt can parse a fresh
 * copy of it.
 */
export interface Envelope {
  /** Handler name. */
  readonly n: string;
  /** Key. */
  readonly k: QueueKey;
  /** Payload, as JSON. */
  readonly p: string;
  /** The ring epoch the producer routed with. */
  readonly e: number;
  /** Attempts that failed so far. */
  readonly f: number;
  /** The last error's name, once the job has failed for good. */
  readonly x?: string;
}

/** A fence job: queued behind a giving shard's last job of the old ring. */
export interface FenceEnvelope {
  readonly fence: number;
}

/** The name of fence jobs; handler names cannot start with `$`. */
export const FENCE_JOB = '$fence';

/** What a job forwarded by a worker (see onMisroute) resolves with; `result` follows it. */
export interface ForwardedResult {
  readonly $forwardedTo: string;
}

export function isForwarded(value: unknown): value is ForwardedResult {
  return typeof value === 'object' && value !== null && typeof (value as ForwardedResult).$forwardedTo === 'string';
}

/** Everything the parts of one Redis-backed queue share. */
export class RedisContext {
  readonly config: JobQueueConfig;
  readonly options: ResolvedRedisOptions;
  readonly keys: RedisKeys;
  readonly handlers: ReadonlyMap<string, JobHandler>;
  readonly events: JobEventSink;
  /** Heartbeats, leases, the ring, stats: short commands, each bounded by commandTimeout. */
  readonly control: RedisClient;
  /** Workers (BullMQ duplicates it for blocking reads), fencing, admin: waits out reconnects. */
  readonly worker: RedisClient;
  /** Adds: fails at once while disconnected, so an add never waits on an offline queue. */
  readonly producer: RedisClient;
  readonly membership: Membership;
  readonly #adminQueues = new Map<number, Queue>();
  readonly #producerQueues = new Map<number, Queue>();
  #routers: { readonly version: number; readonly router: ShardRouter } | undefined;

  constructor(init: {
    config: JobQueueConfig;
    options: ResolvedRedisOptions;
    keys: RedisKeys;
    handlers: ReadonlyMap<string, JobHandler>;
    events: JobEventSink;
    control: RedisClient;
    worker: RedisClient;
    producer: RedisClient;
    membership: Membership;
  }) {
    this.config = init.config;
    this.options = init.options;
    this.keys = init.keys;
    this.handlers = init.handlers;
    this.events = init.events;
    this.control = init.control;
    this.worker = init.worker;
    this.producer = init.producer;
    this.membership = init.membership;
  }

  /** A BullMQ queue of shard `shard` for pausing, resuming and reading jobs, on the worker connection. */
  adminQueue(shard: number): Queue {
    return this.#queueIn(this.#adminQueues, shard, this.worker);
  }

  /** A BullMQ queue of shard `shard` for adding jobs, on the producer connection. */
  producerQueue(shard: number): Queue {
    return this.#queueIn(this.#producerQueues, shard, this.producer);
  }

  #queueIn(cache: Map<number, Queue>, shard: number, connection: RedisClient): Queue {
    let queue = cache.get(shard);
    if (queue === undefined) {
      queue = new Queue(this.keys.shardQueue(shard), {
        connection,
        prefix: this.keys.prefix,
        skipVersionCheck: true,
      });
      queue.on('error', () => {});
      cache.set(shard, queue);
    }
    return queue;
  }

  /** The router of a ring, made once per ring version. */
  routerOf(ring: RingState): ShardRouter {
    if (this.#routers?.version !== ring.version) {
      this.#routers = { version: ring.version, router: this.config.router.create(ring.shards) };
    }
    return this.#routers.router;
  }

  /** The shard `key` goes to under `ring`. */
  route(ring: RingState, key: QueueKey): number {
    return this.routerOf(ring).route(hashKey(key));
  }

  /**
   * Whether `key` moves in a resize that some process may not have switched
   * to yet: such a process still adds the key's jobs to its old shard, which
   * runs them before the new shard resumes.
   */
  movingBeforeEveryoneSwitched(ring: RingState, key: QueueKey): boolean {
    const gate = ring.gate;
    if (gate === null || gate.stage !== 'acks') return false;
    const hash = hashKey(key);
    return this.config.router.create(gate.previousShards).route(hash) !== this.routerOf(ring).route(hash);
  }

  async closeQueues(): Promise<void> {
    const queues = [...this.#adminQueues.values(), ...this.#producerQueues.values()];
    this.#adminQueues.clear();
    this.#producerQueues.clear();
    await Promise.allSettled(queues.map((queue) => queue.close()));
  }
}
