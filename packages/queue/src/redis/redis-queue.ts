import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  cancellationError,
  delay,
  type IDisposable,
  InvalidOptionError,
  onAbort,
  raceAbort,
  realClock,
  type TimerHandle,
} from '@palisade/core';
import { QueueClosedError, QueueFullError } from '../errors.js';
import type { EngineQueue, EngineSpec, NewJob } from '../jobs/engine.js';
import { QueueUnavailableError } from '../jobs/errors.js';
import type { JobQueueStats } from '../jobs/types.js';
import type { QueueKey } from '../key.js';
import type { WhenFull } from '../options.js';
import { BacklogEstimate } from './backlog.js';
import { createClient, type RedisClient } from './connection.js';
import { type Envelope, RedisContext } from './context.js';
import { RedisKeys } from './keys.js';
import { LeaseManager } from './leases.js';
import { Membership } from './membership.js';
import type { ResolvedRedisOptions } from './options.js';
import { repeat } from './repeat.js';
import { recoverResize, resize } from './resize.js';
import { ResultReader } from './results.js';
import { initRing, type RingState, updateRing } from './ring.js';
import { jobOptions } from './shard-admin.js';
import { readStats, shardCounts } from './stats.js';

/** Why a connection refuses a command without sending it. */
function notSent(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue|Stream isn't writeable/.test(error.message);
}

/** An error of our own making (or the caller's signal), as opposed to Redis being out of reach. */
function isOwnError(error: unknown): boolean {
  return (
    error instanceof QueueClosedError ||
    error instanceof QueueFullError ||
    error instanceof InvalidOptionError ||
    (error instanceof Error && (error.name === 'CancelledError' || error.name === 'DeadlineExceededError'))
  );
}

class TimedOut extends Error {}

/** Settles like `work`, or rejects with TimedOut at `deadline` (real clock) or with the signal's error. */
function within<T>(work: Promise<T>, deadline: number, signal: AbortSignal | undefined): Promise<T> {
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    let timer: TimerHandle | undefined;
    let listening: IDisposable | undefined;
    const done = (): void => {
      if (timer !== undefined) realClock.clearTimeout(timer);
      listening?.dispose();
    };
    timer = realClock.setTimeout(
      () => {
        done();
        reject(new TimedOut());
      },
      Math.max(0, deadline - realClock.now()),
    );
    listening = onAbort(signal, () => {
      done();
      reject(cancellationError(signal as AbortSignal));
    });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** One queue on Redis: see the README's "On Redis" section for the layout and the protocols. */
export class RedisQueue implements EngineQueue {
  readonly #ctx: RedisContext;
  readonly #leases: LeaseManager | undefined;
  readonly #results: ResultReader;
  readonly #backlog: BacklogEstimate;
  readonly #clients: RedisClient[];
  readonly #ready: Promise<void>;
  #startError: unknown;
  #ticking: IDisposable | undefined;
  #closing: Promise<void> | undefined;
  #started = false;
  readonly #adding = new Set<Promise<unknown>>();
  #recovering: Promise<void> | undefined;
  readonly #highWater = new Map<number, { completed: number; failed: number }>();

  constructor(spec: EngineSpec, options: ResolvedRedisOptions) {
    const { config } = spec;
    const keys = new RedisKeys(options.prefix, config.name);
    const control = createClient(options.connection, {
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeout,
    });
    const worker = createClient(options.connection, { maxRetriesPerRequest: null });
    const producer = createClient(options.connection, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeout,
    });
    this.#clients = [control, worker, producer];
    const id = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const membership = new Membership(control, keys, id, config.work, options.leaseDuration);
    this.#ctx = new RedisContext({
      config,
      options,
      keys,
      handlers: spec.handlers,
      events: spec.events,
      control,
      worker,
      producer,
      membership,
    });
    membership.onLoss = (lost, ring) =>
      spec.events.dataLoss({ previousGeneration: lost.generation, generation: ring.generation, epoch: ring.epoch });
    this.#leases = config.work ? new LeaseManager(this.#ctx) : undefined;
    this.#results = new ResultReader(this.#ctx);
    this.#backlog = new BacklogEstimate(this.#ctx);
    this.#ready = this.#start();
    this.#ready.catch(() => {});
  }

  /** Creates the ring if this is the queue's first process, checks it agrees with the options, joins, and starts the heartbeat. */
  async #start(): Promise<void> {
    const { config, keys, control } = this.#ctx;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      if (this.#closing !== undefined) throw new QueueClosedError();
      try {
        const shards = Array.from({ length: config.shards }, (_, index) => index);
        const ring = await initRing(control, keys, {
          generation: randomUUID(),
          epoch: 1,
          router: config.router.kind,
          ordered: config.orderedKeys,
          shards,
          retiring: [],
          everShards: shards,
          gate: null,
          opened: null,
          pausing: null,
        });
        this.#checkRing(ring);
        await this.#ctx.membership.beat();
        break;
      } catch (error) {
        if (error instanceof InvalidOptionError) {
          this.#startError = error;
          throw error;
        }
        await delay(wait);
      }
    }
    this.#started = true;
    this.#ticking = repeat(this.#ctx.options.heartbeatInterval, () => this.#tick(), { immediately: true });
  }

  #checkRing(ring: RingState): void {
    const { config, keys } = this.#ctx;
    if (ring.router !== config.router.kind) {
      throw new InvalidOptionError(
        'router',
        `a '${ring.router}' router: the queue ${config.name} in Redis (${keys.ring}) routes with it`,
        config.router.kind,
      );
    }
    if (ring.ordered !== config.orderedKeys) {
      throw new InvalidOptionError(
        'keyOrder',
        `'${ring.ordered ? 'fifo' : 'none'}': the queue ${config.name} in Redis (${keys.ring}) was made with it`,
        config.orderedKeys ? 'fifo' : 'none',
      );
    }
  }

  /** Each heartbeat: membership and ring, leases, stranded resizes, retired shards, the backlog estimate. */
  async #tick(): Promise<void> {
    if (this.#closing !== undefined) return;
    const ctx = this.#ctx;
    const beat = await ctx.membership.beat();
    if (this.#leases !== undefined) {
      await this.#leases.tick(beat);
      // In the background: finishing a resize can wait a lease duration for acknowledgements, and the heartbeat must go on meanwhile.
      this.#recovering ??= recoverResize(ctx, beat.ring)
        .catch(() => {})
        .finally(() => {
          this.#recovering = undefined;
        });
      await this.#retireDrained(beat.ring, beat.redisNow).catch(() => {});
    }
    if (ctx.config.maxSize !== Number.POSITIVE_INFINITY) await this.#backlog.measure();
  }

  /**
   * A removed shard is served until it has drained and every process's old
   * view of the ring has long expired (two lease durations after its
   * handoff), so that a late add from a stale producer still finds a worker.
   */
  async #retireDrained(ring: RingState, redisNow: number): Promise<void> {
    const ctx = this.#ctx;
    for (const retiring of ring.retiring) {
      if (retiring.since === 0 || redisNow - retiring.since < 2 * ctx.options.leaseDuration) continue;
      if (!this.#leases?.holds(retiring.id)) continue;
      const counts = await shardCounts(ctx, retiring.id);
      if (counts.backlog + counts.active > 0) continue;
      await updateRing(ctx.control, ctx.keys, (latest) =>
        latest.retiring.some((shard) => shard.id === retiring.id)
          ? { ...latest, retiring: latest.retiring.filter((shard) => shard.id !== retiring.id) }
          : undefined,
      );
    }
  }

  async #untilReady(deadline: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
    if (this.#started) return;
    if (this.#startError !== undefined) throw this.#startError;
    try {
      await within(this.#ready, deadline, signal);
    } catch (error) {
      if (error instanceof TimedOut) {
        throw new QueueUnavailableError(operation, this.#ctx.options.commandTimeout, 'no');
      }
      throw error;
    }
  }

  add(job: NewJob, whenFull: WhenFull, signal: AbortSignal | undefined): Promise<string> {
    const adding = this.#add(job, whenFull, signal);
    this.#adding.add(adding);
    const forget = (): void => {
      this.#adding.delete(adding);
    };
    adding.then(forget, forget);
    return adding;
  }

  async #add(job: NewJob, whenFull: WhenFull, signal: AbortSignal | undefined): Promise<string> {
    const ctx = this.#ctx;
    const { commandTimeout } = ctx.options;
    const deadline = realClock.now() + commandTimeout;
    await this.#untilReady(deadline, signal, 'add');
    if (this.#closing !== undefined) {
      const error = new QueueClosedError();
      ctx.events.reject({ reason: 'closed', name: job.name, key: job.key, error });
      throw error;
    }
    // Until the write is sent, a failure to reach Redis has stored nothing.
    let ring: RingState;
    try {
      await this.#waitForRoom(job, whenFull, signal);
      if (!ctx.membership.valid) await within(ctx.membership.beat(), deadline, signal);
      ring = await this.#ringForAdd(job.key, signal);
    } catch (error) {
      if (isOwnError(error)) throw error;
      throw new QueueUnavailableError('add', commandTimeout, 'no', job.id, error);
    }
    const shard = ctx.route(ring, job.key);
    // A moving key may have waited for the resize above: the write gets a commandTimeout of its own.
    const writeDeadline = realClock.now() + commandTimeout;
    const id = job.id ?? `${shard}-${randomUUID()}`;
    const envelope: Envelope = { n: job.name, k: job.key, p: JSON.stringify(job.payload), e: ring.epoch, f: 0 };
    const options = {
      ...jobOptions(ctx.config),
      jobId: id,
      ...(job.priority !== 0 ? { priority: Math.max(1, Math.min(2_097_152, Math.round(job.priority))) } : {}),
      ...(job.delay > 0 ? { delay: job.delay } : {}),
    };
    for (;;) {
      const write = ctx.producerQueue(shard).add(job.name, envelope, options);
      ctx.membership.track(ring.epoch, write);
      try {
        await within(write, writeDeadline, signal);
        break;
      } catch (error) {
        if (error instanceof TimedOut) {
          const sent = ctx.producer.status === 'ready';
          throw new QueueUnavailableError('add', commandTimeout, sent ? 'unknown' : 'no', id);
        }
        if (!notSent(error)) {
          if (isOwnError(error)) throw error;
          throw new QueueUnavailableError('add', commandTimeout, 'unknown', id, error);
        }
        if (realClock.now() >= writeDeadline) throw new QueueUnavailableError('add', commandTimeout, 'no', id, error);
        await delay(Math.min(100, Math.max(1, writeDeadline - realClock.now())), { signal });
      }
    }
    this.#backlog.added();
    return id;
  }

  /**
   * The ring to route `key` by. While a resize waits for every process to
   * switch rings, a key that moves waits too: a job added to its new shard
   * now could be overtaken by the key's next job, added by a process still on
   * the old ring to the old shard, which runs first. Once every process has
   * switched, no job of the key reaches the old shard after its fence.
   */
  async #ringForAdd(key: QueueKey, signal: AbortSignal | undefined): Promise<RingState> {
    const ctx = this.#ctx;
    let ring = ctx.membership.ring as RingState;
    while (ctx.movingBeforeEveryoneSwitched(ring, key)) {
      await delay(ctx.options.heartbeatInterval, { signal });
      const deadline = realClock.now() + ctx.options.commandTimeout;
      ring = (await within(ctx.membership.beat(), deadline, signal)).ring;
    }
    return ring;
  }

  async #waitForRoom(job: NewJob, whenFull: WhenFull, signal: AbortSignal | undefined): Promise<void> {
    const maxSize = this.#ctx.config.maxSize;
    if (maxSize === Number.POSITIVE_INFINITY) return;
    for (;;) {
      if (this.#backlog.estimate < maxSize) return;
      await this.#backlog.measure();
      if (this.#backlog.estimate < maxSize) return;
      if (whenFull === 'reject') {
        const ring = this.#ctx.membership.ring as RingState;
        const error = new QueueFullError('maxSize', maxSize, this.#ctx.route(ring, job.key));
        this.#ctx.events.reject({ reason: 'full', name: job.name, key: job.key, error, size: this.#backlog.estimate });
        throw error;
      }
      await delay(this.#ctx.options.heartbeatInterval, { signal });
      if (this.#closing !== undefined) throw new QueueClosedError();
    }
  }

  async result(id: string, timeout: number, signal: AbortSignal | undefined): Promise<unknown> {
    await this.#untilReady(realClock.now() + this.#ctx.options.commandTimeout, signal, 'result');
    return this.#results.result(id, timeout, signal);
  }

  async resize(count: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#untilReady(realClock.now() + this.#ctx.options.commandTimeout, signal, 'resize');
    if (this.#closing !== undefined) throw new QueueClosedError();
    return raceAbort(resize(this.#ctx, count, signal), signal);
  }

  async stats(): Promise<JobQueueStats> {
    const deadline = realClock.now() + this.#ctx.options.commandTimeout;
    await this.#untilReady(deadline, undefined, 'stats');
    try {
      return await within(readStats(this.#ctx, this.#highWater), deadline, undefined);
    } catch (error) {
      if (error instanceof TimedOut) throw new QueueUnavailableError('stats', this.#ctx.options.commandTimeout, 'no');
      throw error;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Hands the shards over, leaves, and closes the connections. Each step
   * that needs Redis is bounded by commandTimeout, so close() settles even
   * while Redis is out of reach (what it could not hand over stays in Redis,
   * where the jobs' expiring locks return them to the next owner).
   */
  async #close(): Promise<void> {
    const ctx = this.#ctx;
    const bounded = (work: Promise<unknown>): Promise<unknown> =>
      within(work, realClock.now() + ctx.options.commandTimeout, undefined).catch(() => {});
    this.#ticking?.dispose();
    await Promise.allSettled(this.#adding);
    ctx.membership.stopWorking();
    await this.#leases?.close();
    await this.#recovering;
    await bounded(ctx.membership.leave());
    await bounded(this.#results.close());
    await bounded(ctx.closeQueues());
    await bounded(Promise.allSettled(this.#clients.map((client) => client.quit())));
    for (const client of this.#clients) client.disconnect();
  }
}
