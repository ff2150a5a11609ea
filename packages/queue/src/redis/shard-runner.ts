import { randomUUID } from 'node:crypto';
import { realClock } from '@palisade/core';
import { type Job, WaitingError, Worker } from 'bullmq';
import { runDelivery } from '../jobs/delivery.js';
import { type Envelope, FENCE_JOB, type FenceEnvelope, type ForwardedResult, type RedisContext } from './context.js';
import { updateRing } from './ring.js';
import { raiseTo, redisNow } from './script.js';
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
      name: ctx.membership.id,
      skipVersionCheck: true,
    });
    worker.on('error', () => {});
    worker.on('stalled', (jobId: string) => ctx.events.stalled({ id: jobId, shard }));
    this.#worker = worker;
  }

  /** Hands the shard over: running jobs finish, a job in backoff goes back to the head. */
  stop(): Promise<void> {
    this.#interrupt.abort();
    this.#closing ??= this.#worker?.close() ?? Promise.resolve();
    return this.#closing;
  }

  /** The lease was lost: another process owns the shard. Running handlers' signals abort. */
  lose(): Promise<void> {
    this.#taken.abort(new Error(`shard ${this.shard}'s lease was lost: another worker runs it now`));
    return this.stop();
  }

  async #process(job: Job, token: string | undefined): Promise<unknown> {
    if (job.name === FENCE_JOB) return this.#passFence((job.data as FenceEnvelope).fence);
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
        nextFencingToken: () => ctx.worker.incr(ctx.keys.fence),
        recordFailure: (failed) => job.updateData({ ...envelope, f: failed }),
      },
      handler,
      ctx.config,
      realClock,
      ctx.events,
    );
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
   * gate and resumes the receiving shards.
   */
  async #passFence(epoch: number): Promise<{ readonly fence: number }> {
    const ctx = this.#ctx;
    this.#fencedEpoch = Number(await raiseTo.run(ctx.worker, [ctx.keys.shardKey(this.shard, 'fenced')], [epoch]));
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
    // The receivers are resumed by whoever holds the resize lock (see resize.ts), so that a late resume can never undo a newer pause.
    return { fence: epoch };
  }
}
