import { randomUUID } from 'node:crypto';
import { delay, type IDisposable, InvalidOptionError } from '@palisade/core';
import { fmix32 } from '../murmur3.js';
import type { ShardRouterFactory } from '../shard-router.js';
import { FENCE_JOB, type RedisContext } from './context.js';
import { repeat } from './repeat.js';
import { type Gate, type RingState, readRing, updateRing } from './ring.js';
import { acquireLease, laggards, raiseTo, releaseLease, renewLease } from './script.js';
import { jobOptions, prepareShardQueue } from './shard-admin.js';

/** How often a resize looks at the ring and the acknowledgements while it waits. */
const POLL = 25;
/** Keys sampled to check that a resize moves keys only to added shards or from removed ones. */
const SAMPLE = 4096;

/**
 * The lock of whoever drives a resize: the caller of `resize`, or a worker
 * finishing one whose caller died. Only the holder resumes paused shards, so
 * a late resume can never undo the pause of a newer resize.
 */
class ResizeLock {
  readonly #ctx: RedisContext;
  readonly #token: string;
  readonly #renewing: IDisposable;

  private constructor(ctx: RedisContext, token: string) {
    this.#ctx = ctx;
    this.#token = token;
    const ttl = ctx.options.leaseDuration;
    this.#renewing = repeat(ttl / 3, async () => {
      await renewLease.run(ctx.control, [ctx.keys.resizeLock], [token, ttl]);
    });
  }

  /** Takes the lock, waiting for it unless `wait` is false (then undefined when it is held). */
  static async take(
    ctx: RedisContext,
    wait: boolean,
    signal: AbortSignal | undefined,
  ): Promise<ResizeLock | undefined> {
    const token = `${ctx.membership.id}/${randomUUID()}`;
    for (;;) {
      const taken = await acquireLease.run(ctx.control, [ctx.keys.resizeLock], [token, ctx.options.leaseDuration]);
      if (taken === 1) return new ResizeLock(ctx, token);
      if (!wait) return undefined;
      await delay(POLL * 4, { signal });
    }
  }

  async holds(): Promise<boolean> {
    return (await this.#ctx.control.get(this.#ctx.keys.resizeLock)) === this.#token;
  }

  async release(): Promise<void> {
    this.#renewing.dispose();
    await releaseLease.run(this.#ctx.control, [this.#ctx.keys.resizeLock], [this.#token]).catch(() => {});
  }
}

/** What a resize changes. */
export interface ResizePlan {
  readonly shards: readonly number[];
  readonly added: readonly number[];
  readonly removed: readonly number[];
  readonly givers: readonly number[];
  readonly receivers: readonly number[];
  readonly movedFraction: number;
}

/**
 * New shards take the smallest ids not in use (retiring shards still use
 * theirs); removal takes the most recently added shards first. Keys may
 * only move to an added shard or from a removed one: that is what lets the
 * protocol pause just the receivers and fence just the givers, and the
 * package's routers all keep to it.
 */
export function planResize(ring: RingState, count: number, factory: ShardRouterFactory): ResizePlan {
  const current = ring.shards;
  let shards: number[];
  const added: number[] = [];
  let removed: number[] = [];
  if (count > current.length) {
    const used = new Set([...current, ...ring.retiring.map((shard) => shard.id)]);
    for (let id = 0; added.length < count - current.length; id++) if (!used.has(id)) added.push(id);
    shards = [...current, ...added];
  } else {
    shards = [...current];
    while (shards.length > count) {
      const last = shards.at(-1) as number;
      if (!factory.create(shards).canRemove(last)) {
        throw new InvalidOptionError('router', `a router that can remove shard ${last}`, factory.kind);
      }
      shards.pop();
      removed = [last, ...removed];
    }
  }
  const before = factory.create(current);
  const after = factory.create(shards);
  let moved = 0;
  for (let i = 0; i < SAMPLE; i++) {
    const hash = fmix32(i + 0x3c6ef372);
    const from = before.route(hash);
    const to = after.route(hash);
    if (from === to) continue;
    moved++;
    if (!added.includes(to) && !removed.includes(from)) {
      throw new InvalidOptionError(
        'router',
        'a consistent router, which moves keys only to added shards or from removed ones (rendezvous, jump or bounded-load)',
        factory.kind,
      );
    }
  }
  return {
    shards,
    added,
    removed,
    givers: added.length > 0 ? [...current] : removed,
    receivers: added.length > 0 ? added : shards,
    movedFraction: moved / SAMPLE,
  };
}

/**
 * Resizes the ring to `count` shards, across every process:
 *
 * 1. take the resize lock, and finish any resize still in progress;
 * 2. pause the receiving shards (BullMQ's global pause: they take new jobs
 *    but start none), creating new ones paused;
 * 3. switch the ring (epoch + 1) with its gate: the givers, the receivers;
 * 4. wait until every live process has acknowledged the new epoch, which it
 *    does only once its adds routed with the old ring have settled;
 * 5. queue a fence job at the tail of each giver: it runs after every job
 *    the old ring sent there;
 * 6. when the last fence has run the gate opens; resume the receivers.
 *
 * A moving key's jobs on its old shard therefore all finish before any of
 * its jobs on the new shard starts.
 */
export async function resize(ctx: RedisContext, count: number, signal: AbortSignal | undefined): Promise<void> {
  const lock = (await ResizeLock.take(ctx, true, signal)) as ResizeLock;
  try {
    await drive(ctx, lock, true, signal);
    const ring = (await readRing(ctx.control, ctx.keys)) as RingState;
    if (ring.shards.length === count) return;
    const plan = planResize(ring, count, ctx.config.router);
    // Written down first, so that a resize whose driver dies between pausing and switching is undone.
    await updateRing(ctx.control, ctx.keys, (latest) => ({
      ...latest,
      pausing: { epoch: latest.epoch + 1, receivers: plan.receivers },
    }));
    try {
      for (const shard of plan.receivers) {
        await prepareShardQueue(ctx, shard);
        await ctx.adminQueue(shard).pause();
      }
    } catch (error) {
      await undoPausing(ctx, lock).catch(() => {});
      throw error;
    }
    const { ring: switched } = await updateRing(ctx.control, ctx.keys, (latest) => {
      const epoch = latest.epoch + 1;
      const gate: Gate = {
        epoch,
        previousShards: latest.shards,
        givers: plan.givers,
        receivers: plan.receivers,
        pending: plan.givers,
        stage: 'acks',
      };
      return {
        ...latest,
        epoch,
        shards: plan.shards,
        retiring: [...latest.retiring, ...plan.removed.map((id) => ({ id, since: 0 }))],
        everShards: [...new Set([...latest.everShards, ...plan.added])],
        gate,
        opened: null,
        pausing: null,
      };
    });
    ctx.events.resize({
      epoch: switched.epoch,
      previousShards: ring.shards,
      shards: switched.shards,
      movedFraction: plan.movedFraction,
    });
    ctx.membership.beat().catch(() => {});
    await drive(ctx, lock, true, signal);
  } finally {
    await lock.release();
  }
}

/**
 * Finishes a resize that the process driving it left behind (it died or
 * closed): workers call it on their heartbeat. Returns at once if another
 * process holds the lock.
 */
export async function recoverResize(ctx: RedisContext, ring: RingState): Promise<void> {
  const stranded =
    ring.pausing !== null ||
    (ring.gate !== null && ring.gate.stage === 'acks') ||
    (ring.opened !== null && !ring.opened.resumed);
  if (!stranded) return;
  const lock = await ResizeLock.take(ctx, false, undefined);
  if (lock === undefined) return;
  try {
    await drive(ctx, lock, false, undefined);
  } finally {
    await lock.release();
  }
}

/** Resumes the receivers of a resize that paused them and never switched the ring. */
async function undoPausing(ctx: RedisContext, lock: ResizeLock): Promise<void> {
  const ring = (await readRing(ctx.control, ctx.keys)) as RingState;
  const pausing = ring.pausing;
  if (pausing === null) return;
  if (!(await lock.holds())) throw new Error('the resize lock was lost while undoing a pause');
  for (const shard of pausing.receivers) await ctx.adminQueue(shard).resume();
  await updateRing(ctx.control, ctx.keys, (latest) =>
    latest.pausing?.epoch === pausing.epoch ? { ...latest, pausing: null } : undefined,
  );
}

/** Moves the gate on from wherever it is; with `untilOpen`, waits for the fences to run and the receivers to resume. */
async function drive(
  ctx: RedisContext,
  lock: ResizeLock,
  untilOpen: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (;;) {
    const ring = (await readRing(ctx.control, ctx.keys)) as RingState;
    const gate = ring.gate;
    if (ring.pausing !== null) {
      await undoPausing(ctx, lock);
    } else if (gate !== null && gate.stage === 'acks') {
      await waitForAcknowledgements(ctx, gate.epoch, signal);
      for (const shard of gate.givers) {
        await ctx
          .adminQueue(shard)
          .add(FENCE_JOB, { fence: gate.epoch }, { ...jobOptions(ctx.config), jobId: `fence-${gate.epoch}` });
      }
      await updateRing(ctx.control, ctx.keys, (latest) =>
        latest.gate?.epoch === gate.epoch && latest.gate.stage === 'acks'
          ? { ...latest, gate: { ...latest.gate, stage: 'fenced' } }
          : undefined,
      );
    } else if (gate !== null) {
      if (!untilOpen) return;
      await delay(POLL, { signal });
    } else if (ring.opened !== null && !ring.opened.resumed) {
      const opened = ring.opened;
      if (!(await lock.holds())) throw new Error('the resize lock was lost while the receiving shards were paused');
      await raiseReceiverFences(ctx, opened.givers, opened.receivers);
      for (const shard of opened.receivers) await ctx.adminQueue(shard).resume();
      await updateRing(ctx.control, ctx.keys, (latest) =>
        latest.opened?.epoch === opened.epoch ? { ...latest, opened: { ...latest.opened, resumed: true } } : undefined,
      );
      ctx.events.handoff({
        epoch: opened.epoch,
        fromShards: opened.givers,
        toShards: opened.receivers,
        key: undefined,
      });
    } else {
      return;
    }
  }
}

/**
 * Fencing counters are per shard (each in its shard's slot, so a token can
 * be taken in the same script that checks the job's lock). Before a moved
 * key's jobs start on their new shard, that shard's counter is raised to the
 * givers' highest, so their tokens stay above every token the key's jobs got
 * on the old shard.
 */
async function raiseReceiverFences(
  ctx: RedisContext,
  givers: readonly number[],
  receivers: readonly number[],
): Promise<void> {
  const counters = await Promise.all(givers.map((shard) => ctx.control.get(ctx.keys.shardKey(shard, 'fence'))));
  const highest = Math.max(0, ...counters.map((value) => Number(value ?? 0)));
  for (const shard of receivers) await raiseTo.run(ctx.control, [ctx.keys.shardKey(shard, 'fence')], [highest]);
}

/** Waits until every live process has switched to `epoch` with none of its older adds in flight. */
async function waitForAcknowledgements(
  ctx: RedisContext,
  epoch: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (;;) {
    const behind = (await laggards.run(ctx.control, [ctx.keys.members, ctx.keys.acks], [epoch])) as string[];
    if (behind.length === 0) return;
    if (behind.includes(ctx.membership.id)) ctx.membership.beat().catch(() => {});
    await delay(POLL, { signal });
  }
}
