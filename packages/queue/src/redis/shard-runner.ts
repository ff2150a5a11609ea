import { randomUUID } from 'node:crypto';
import { delay, realClock } from '@palisade/core';
import { type Job, WaitingError, Worker } from 'bullmq';
import { runDelivery } from '../jobs/delivery.js';
import { JobLostError } from '../jobs/errors.js';
import { type Envelope, FENCE_JOB, type FenceEnvelope, type ForwardedResult, type RedisContext } from './context.js';
import { updateRing } from './ring.js';
import { raiseTo, redisNow, startFencing } from './script.js';
import { jobOptions, prepareShardQueue } from './shard-admin.js';

/**
 * Runs one shard in this process while it holds the shard's lease: a BullMQ
 * worker on the shard's queue, whose processor runs jobs with in-place
 * retries, passes fence jobs, and forwards jobs that a stale producer routed
 * here after the shard handed their key over.
 */
export class ShardRunner {
  readonly shard: number;
  readonly #ctx: RedisContext;
  #worker: Worker | undefined;
  /** Aborts the running attempts: the shard is no longer ours. */
  readonly #taken = new AbortController();
  /** Aborts backoffs: the job goes back to the head of the shard for the next owner. */
  readonly #interrupt = new AbortController();
  /** The newest resize whose fence this shard has passed: jobs routed with an older ring after it are stale. */
  #fencedEpoch = 0;
  #closing: Promise<void> | undefined;
  /** Deliveries in this process's handlers right now. */
  #running = 0;
  #idle: (() => void) | undefined;
  /** The shard was let go while BullMQ's worker had not finished closing: anything it still fetches goes back. */
  #abandoned = false;

  constructor(ctx: RedisContext, shard: number) {
    this.#ctx = ctx;
    this.shard = shard;
  }

  async start(): Promise<void> {
    const { ctx, shard } = { ctx: this.#ctx, shard: this.shard };
    await prepareShardQueue(ctx, shard);
    this.#fencedEpoch = Number((await ctx.worker.get(ctx.keys.shardKey(shard, 'fenced'))) ?? 0);
    if (this.#closing !== undefined) return;
    const { options, config } = ctx;
    const worker = new Worker(ctx.keys.shardQueue(shard), (job: Job, token?: string) => this.#process(job, token), {
      connection: ctx.worker,
      prefix: ctx.keys.prefix,
      concurrency: config.orderedKeys ? 1 : config.concurrency,
      lockDuration: options.lockDuration,
      stalledInterval: options.stalledInterval,
      maxStalledCount: options.maxRedeliveries,
      metrics: { maxDataPoints: 1 },
      // How soon a worker retries a Redis call that failed (finishing a job, say); BullMQ's 15 s would stall a shard that long after an outage.
      runRetryDelay: Math.min(1000, options.lockDuration / 2),
      name: ctx.membership.id,
      skipVersionCheck: true,
    });
    worker.on('error', () => {});
    worker.on('stalled', (jobId: string) => ctx.events.stalled({ id: jobId, shard }));
    this.#worker = worker;
  }

  /**
   * Hands the shard over: running jobs finish, a job in backoff goes back to
   * the head. Once no handler runs, BullMQ gets commandTimeout to record the
   * outcomes; if Redis is out of reach that long, or BullMQ's close() never
   * settles (seen for a worker closed soon after it started, and close(true)
   * only returns that same promise), the shard is let go anyway: the worker
   * is closing, so it fetches no more jobs, and one it had already fetched is
   * sent back to the head. Jobs it could not finish come back to the next
   * owner when their locks expire.
   */
  stop(): Promise<void> {
    this.#interrupt.abort();
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    const closed = worker.close();
    const idle = new Promise<void>((resolve) => {
      if (this.#running === 0) resolve();
      else this.#idle = resolve;
    });
    const giveUp = idle.then(() => delay(this.#ctx.options.commandTimeout)).then(() => 'gave up' as const);
    if ((await Promise.race([closed.then(() => 'closed' as const), giveUp])) === 'gave up') {
      // Not worker.disconnect(): the worker's main connection is the one every shard of this process shares.
      this.#abandoned = true;
    }
  }

  /** The lease was lost: another process owns the shard. Running handlers' signals abort. */
  lose(): Promise<void> {
    this.#taken.abort(new Error(`shard ${this.shard}'s lease was lost: another worker runs it now`));
    return this.stop();
  }

  async #process(job: Job, token: string | undefined): Promise<unknown> {
    if (this.#abandoned) {
      await job.moveToWait(token).catch(() => {});
      throw new WaitingError();
    }
    if (job.name === FENCE_JOB) return this.#passFence(job, token);
    const ctx = this.#ctx;
    const envelope = job.data as Envelope;
    const id = job.id as string;
    if (envelope.e < this.#fencedEpoch) {
      const forwarded = await this.#forwardIfMoved(id, envelope);
      if (forwarded !== undefined) return forwarded;
    }
    if (job.attemptsStarted > 1) {
      ctx.events.redelivered({
        id,
        name: envelope.n,
        key: envelope.k,
        shard: this.shard,
        deliveries: job.attemptsStarted,
      });
    }
    const handler = ctx.handlers.get(envelope.n);
    if (handler === undefined) {
      throw new Error(`The worker ${ctx.membership.id} has no handler named "${envelope.n}".`);
    }
    this.#running++;
    const outcome = await runDelivery(
      {
        id,
        name: envelope.n,
        key: envelope.k,
        shard: this.shard,
        payload: () => JSON.parse(envelope.p) as unknown,
        failedAttempts: envelope.f,
        signal: this.#taken.signal,
        interrupt: this.#interrupt.signal,
        nextFencingToken: async () => {
          const fencingToken = Number(
            await startFencing.run(
              ctx.worker,
              [ctx.keys.bullKey(this.shard, `${id}:lock`), ctx.keys.shardKey(this.shard, 'fence')],
              [token ?? ''],
            ),
          );
          if (fencingToken < 0) throw new JobLostError(id);
          return fencingToken;
        },
        recordFailure: (failed) => job.updateData({ ...envelope, f: failed }),
      },
      handler,
      ctx.config,
      realClock,
      ctx.events,
    ).finally(() => {
      if (--this.#running === 0) this.#idle?.();
    });
    if (outcome.kind === 'completed') return outcome.result;
    if (outcome.kind === 'failed') {
      const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
      await job.updateData({ ...envelope, f: outcome.attempt, x: error.name }).catch(() => {});
      throw error;
    }
    // Back to the head of the shard, where the next owner picks it up; WaitingError tells BullMQ not to finish it.
    await job.moveToWait(token).catch(() => {});
    throw new WaitingError();
  }

  async #forwardIfMoved(id: string, envelope: Envelope): Promise<ForwardedResult | undefined> {
    const ctx = this.#ctx;
    let ring = ctx.membership.ring;
    if (ring === undefined || ring.epoch < this.#fencedEpoch) ring = (await ctx.membership.beat()).ring;
    const target = ctx.route(ring, envelope.k);
    if (target === this.shard) return undefined;
    const forwardedTo = `${target}-${randomUUID()}`;
    await ctx
      .adminQueue(target)
      .add(envelope.n, { ...envelope, e: ring.epoch }, { ...jobOptions(ctx.config), jobId: forwardedTo });
    ctx.events.misroute({
      id,
      forwardedTo,
      key: envelope.k,
      fromShard: this.shard,
      toShard: target,
      producerEpoch: envelope.e,
      epoch: ring.epoch,
    });
    return { $forwardedTo: forwardedTo };
  }

  /**
   * Every job queued here under the old ring has run: record it, and take
   * this shard off the gate. The worker that takes the last one opens the
   * gate; the receivers are resumed by whoever holds the resize lock (see
   * resize.ts), so that a late resume can never undo a newer pause. A fence
   * must not fail (the gate would never open), so Redis errors are retried
   * until the shard is handed over, and then it goes back to the head.
   */
  async #passFence(job: Job, token: string | undefined): Promise<{ readonly fence: number }> {
    const ctx = this.#ctx;
    const epoch = (job.data as FenceEnvelope).fence;
    for (;;) {
      try {
        const fenced = ctx.keys.shardKey(this.shard, 'fenced');
        this.#fencedEpoch = Number(await raiseTo.run(ctx.worker, [fenced], [epoch]));
        const now = Number(await redisNow.run(ctx.worker, [], []));
        await updateRing(ctx.worker, ctx.keys, (current) => {
          const gate = current.gate;
          if (gate === null || gate.epoch !== epoch || !gate.pending.includes(this.shard)) return undefined;
          const pending = gate.pending.filter((shard) => shard !== this.shard);
          if (pending.length > 0) return { ...current, gate: { ...gate, pending } };
          return {
            ...current,
            gate: null,
            opened: { epoch, givers: gate.givers, receivers: gate.receivers, resumed: false },
            retiring: current.retiring.map((shard) => (shard.since === 0 ? { ...shard, since: now } : shard)),
          };
        });
        // Counted so that stats() can leave fence jobs out of the running totals.
        await ctx.worker.sadd(ctx.keys.shardKey(this.shard, 'fences'), epoch);
        return { fence: epoch };
      } catch {
        if (this.#interrupt.signal.aborted) {
          await job.moveToWait(token).catch(() => {});
          throw new WaitingError();
        }
        await delay(200);
      }
    }
  }
}
