import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from '@palisade/core';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { TestMetrics } from '../../../../scripts/lib/otel-test.ts';
import { freePort } from '../../../../scripts/lib/redis-server.ts';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import { QueueFullError } from '../errors.js';
import { JobNotFoundError, QueueUnavailableError } from '../jobs/errors.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobContext, JobMisrouteEvent, JobRejectEvent } from '../jobs/types.js';
import { jumpRouter } from '../jump-router.js';
import { hashKey } from '../key.js';
import { instrumentJobQueue } from '../otel.js';
import { rendezvousRouter } from '../rendezvous-router.js';
import { redisEngine } from './engine.js';
import { FAST, waitUntil } from './harness.test-util.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('redisEngine options', () => {
  it.each([
    [{}, 'connection'],
    [{ connection: 'localhost:6379' }, 'connection'],
    [{ connection: { cluster: [] } }, 'connection.cluster'],
    [{ connection: { host: '127.0.0.1', keyPrefix: 'x:' } }, 'connection.keyPrefix'],
    [{ connection: 'redis://127.0.0.1', prefix: 'a:b' }, 'prefix'],
    [{ connection: 'redis://127.0.0.1', lockDuration: 6000 }, 'lockDuration'],
    [{ connection: 'redis://127.0.0.1', heartbeatInterval: 3000 }, 'heartbeatInterval'],
    [{ connection: 'redis://127.0.0.1', leaseDuration: 10 }, 'leaseDuration'],
    [{ connection: 'redis://127.0.0.1', commandTimeout: -1 }, 'commandTimeout'],
    [{ connection: 'redis://127.0.0.1', lockDuraton: 1000 }, 'lockDuraton'],
  ])('redisEngine(%o) throws InvalidOptionError for %s', (options, option) => {
    expect(() => redisEngine(options as never)).toThrow(InvalidOptionError);
    try {
      redisEngine(options as never);
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it("refuses concurrency above 1 with keyOrder 'fifo', where a shard runs one job at a time", () => {
    const engine = redisEngine({ connection: 'redis://127.0.0.1:1' });
    expect(() => new JobQueue({ engine, concurrency: 2, handlers: { a: () => 1 } })).toThrow(/concurrency/);
  });
});

describe('Redis out of reach', () => {
  it('add rejects with QueueUnavailableError (nothing persisted) after commandTimeout, never hangs; close settles', async () => {
    const port = await freePort();
    const queue = new JobQueue({
      name: 'nowhere',
      engine: redisEngine({ connection: `redis://127.0.0.1:${port}`, ...FAST, commandTimeout: 300 }),
      handlers: { a: () => 1 },
    });
    const started = Date.now();
    const error = await queue.add('a', null, { key: 1, id: 'first' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as QueueUnavailableError).code).toBe('ERR_PALISADE_QUEUE_UNAVAILABLE');
    expect((error as QueueUnavailableError).persisted).toBe('no');
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(queue.stats()).rejects.toBeInstanceOf(QueueUnavailableError);
    await queue.close();
  });
});

describeWithRedis('JobQueue on Redis: behaviour', (fixture) => {
  const engine = (extra: object = {}) => redisEngine({ connection: fixture.server.url, ...FAST, ...extra });

  it('a frozen Redis: add rejects after commandTimeout saying the write may have been stored; the same id added again runs once', async () => {
    const runs: string[] = [];
    const queue = new JobQueue({
      name: 'frozen',
      engine: engine({ commandTimeout: 500 }),
      handlers: { note: (payload: string) => void runs.push(payload) },
    });
    try {
      await queue.stats();
      fixture.server.freeze();
      const error = await queue.add('note', 'once', { key: 'k', id: 'note-1' }).catch((reason: unknown) => reason);
      fixture.server.thaw();
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect(['unknown', 'no']).toContain((error as QueueUnavailableError).persisted);
      expect((error as QueueUnavailableError).jobId).toBe('note-1');
      expect(await queue.add('note', 'once', { key: 'k', id: 'note-1' })).toBe('note-1');
      await queue.result('note-1', { timeout: 10_000 });
      await sleep(300);
      expect(runs).toEqual(['once']);
    } finally {
      fixture.server.thaw();
      await queue.close();
    }
  });

  it('refuses to join a queue stored with another router or key order', async () => {
    const first = new JobQueue({ name: 'agreed', engine: engine(), work: false, handlers: { a: () => 1 } });
    await first.stats();
    const other = new JobQueue({ name: 'agreed', engine: engine(), router: jumpRouter(), handlers: { a: () => 1 } });
    await expect(other.add('a', null, { key: 1 })).rejects.toThrow(InvalidOptionError);
    const unordered = new JobQueue({ name: 'agreed', engine: engine(), keyOrder: 'none', handlers: { a: () => 1 } });
    await expect(unordered.stats()).rejects.toThrow(/keyOrder/);
    await Promise.all([first.close(), other.close(), unordered.close()]);
  });

  it('close() hands the shards over: the other worker takes them, a job in backoff goes back to the head, nothing is lost', async () => {
    const log: string[] = [];
    const handlers = {
      step: async (payload: { label: string; fail?: boolean }, context: JobContext) => {
        log.push(`${payload.label}#${context.attempt}`);
        if (payload.fail === true && context.attempt === 1) throw new Error('again');
        await sleep(5);
        return payload.label;
      },
    };
    const options = { name: 'handover', shards: 2, attempts: 2, backoff: 60_000, handlers };
    const leaving = new JobQueue({ ...options, engine: engine() });
    const ids: string[] = [];
    ids.push(await leaving.add('step', { label: 'a1', fail: true }, { key: 'a' }));
    ids.push(await leaving.add('step', { label: 'a2' }, { key: 'a' }));
    for (let i = 0; i < 20; i++) ids.push(await leaving.add('step', { label: `b${i}` }, { key: `b${i % 4}` }));
    await waitUntil(() => log.includes('a1#1'), 10_000, 'a1 to fail once and wait out its backoff');
    await leaving.close();
    expect(log).not.toContain('a2#1');
    const staying = new JobQueue({ ...options, engine: engine() });
    try {
      const results = await Promise.all(ids.map((id) => staying.result(id, { timeout: 20_000 })));
      expect(results[0]).toBe('a1');
      // The job that was waiting out a 60 s backoff came back at the head and ran again before a2.
      expect(log.indexOf('a1#2')).toBeLessThan(log.indexOf('a2#1'));
      const stats = await staying.stats();
      expect(stats.shards.every((shard) => shard.owner?.includes(`/${process.pid}/`))).toBe(true);
      expect(stats.workers).toBe(1);
    } finally {
      await staying.close();
    }
  });

  // Seen in the schedule property under load: BullMQ's Worker.close() never settled for a worker closed soon after
  // it started, and close(true) returns that same promise, so the process renewed the shard's lease forever while
  // nothing ran it. Here every close() hangs while the first worker hands a shard to the second.
  it('a shard whose BullMQ worker never finishes closing is still handed over after commandTimeout, and its jobs run', async () => {
    const ran: string[] = [];
    const options = { name: 'hung-close', shards: 2, handlers: { step: (label: string) => ran.push(label) } };
    const first = new JobQueue({ ...options, engine: engine() });
    let second: { close(): Promise<void> } | undefined;
    const hang = vi.spyOn(Worker.prototype, 'close').mockImplementation(() => new Promise<void>(() => {}));
    try {
      await waitUntil(
        async () => (await first.stats()).shards.every((shard) => shard.owner !== undefined),
        10_000,
        'the first worker to take both shards',
      );
      second = new JobQueue({ ...options, engine: engine() });
      await waitUntil(
        async () => new Set((await first.stats()).shards.map((shard) => shard.owner)).size === 2,
        FAST.commandTimeout + 10_000,
        'the second worker to get a shard',
      );
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await first.add('step', `j${i}`, { key: `k${i}` }));
      await Promise.all(ids.map((id) => first.result(id, { timeout: 10_000 })));
      expect(ran.sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7']);
    } finally {
      hang.mockRestore();
      const closing = Promise.all([first.close(), second?.close()]);
      await Promise.race([closing, sleep(2 * FAST.commandTimeout)]);
    }
  });

  // Found by apps/cluster: during a resize, one producer had switched to the new ring and put a key's job on its
  // (paused) receiving shard, then another, still on the old ring, put the key's next job on the giving shard,
  // which ran it first. A producer now holds a moving key's add until every process has switched.
  it('two producers adding one key in turn across a resize keep its order, though one switches rings late', async () => {
    const ran: string[] = [];
    const handlers = { step: (label: string) => ran.push(label) };
    const options = { name: 'two-producers', shards: 2, handlers };
    const worker = new JobQueue({ ...options, engine: engine() });
    const early = new JobQueue({ ...options, work: false, engine: engine() });
    // Its heartbeat is slow, so it reads the new ring seconds after the other producer.
    const late = new JobQueue({
      ...options,
      work: false,
      engine: engine({ leaseDuration: 10_000, heartbeatInterval: 3_000 }),
    });
    try {
      const moving = rendezvousRouter().create([0, 1, 2]);
      const staying = rendezvousRouter().create([0, 1]);
      const key = Array.from({ length: 100 }, (_, i) => `key${i}`).find(
        (candidate) => moving.route(hashKey(candidate)) === 2 && staying.route(hashKey(candidate)) !== 2,
      ) as string;
      await late.add('step', 'warm-up', { key: 'other' });
      const redis = new Redis(fixture.server.url);
      const resizing = early.resize(3);
      await waitUntil(
        async () => JSON.parse((await redis.get('palisade:{two-producers}:ring')) as string).gate?.stage === 'acks',
        10_000,
        'the ring to switch',
      );
      redis.disconnect();
      const first = await early.add('step', 'first', { key });
      const second = await late.add('step', 'second', { key });
      await resizing;
      await Promise.all([early.result(first, { timeout: 20_000 }), early.result(second, { timeout: 20_000 })]);
      expect(ran.filter((label) => label !== 'warm-up')).toEqual(['first', 'second']);
    } finally {
      await Promise.all([worker.close(), early.close(), late.close()]);
    }
  });

  it('maxSize: add rejects when full (onReject says so) or waits for room', async () => {
    const gate = { open: false };
    const queue = new JobQueue({
      name: 'bounded',
      engine: engine(),
      shards: 2,
      maxSize: 5,
      handlers: {
        hold: async () => {
          await waitUntil(() => gate.open, 20_000, 'the gate');
        },
      },
    });
    const rejects: JobRejectEvent[] = [];
    queue.onReject((event) => rejects.push(event));
    try {
      const ids: string[] = [];
      // Two run (one per shard), then five wait.
      ids.push(await queue.add('hold', null, { key: 'k0' }));
      ids.push(await queue.add('hold', null, { key: 'k1' }));
      await waitUntil(async () => (await queue.stats()).active === 2, 10_000, 'two running');
      for (let i = 2; i < 7; i++) ids.push(await queue.add('hold', null, { key: `k${i}` }));
      const full = await queue.add('hold', null, { key: 'x' }).catch((reason: unknown) => reason);
      expect(full).toBeInstanceOf(QueueFullError);
      expect(rejects).toHaveLength(1);
      expect(rejects[0]?.reason).toBe('full');
      expect((rejects[0] as { error: QueueFullError }).error.capacity).toBe(5);
      let added = false;
      const waiting = queue.add('hold', null, { key: 'y', whenFull: 'wait' }).then((id) => {
        added = true;
        return id;
      });
      await sleep(300);
      expect(added).toBe(false);
      gate.open = true;
      ids.push(await waiting);
      await Promise.all(ids.map((id) => queue.result(id, { timeout: 20_000 })));
    } finally {
      gate.open = true;
      await queue.close();
    }
  });

  it("keyOrder 'none': priorities, delays and per-shard concurrency reach BullMQ; a shard's rate limit is its global rate limit", async () => {
    const queue = new JobQueue({
      name: 'loose',
      engine: engine(),
      shards: 1,
      keyOrder: 'none',
      concurrency: 3,
      intervalCap: 50,
      interval: 1000,
      work: false,
      handlers: { a: (payload: number) => payload },
    });
    try {
      await queue.add('a', 1, { key: 'k', priority: 5 });
      await queue.add('a', 2, { key: 'k', delay: 60_000 });
      const redis = new Redis(fixture.server.url);
      expect(await redis.zcard('palisade:{loose.s0}:prioritized')).toBe(1);
      expect(await redis.zcard('palisade:{loose.s0}:delayed')).toBe(1);
      const worker = new JobQueue({
        name: 'loose',
        engine: engine(),
        shards: 1,
        keyOrder: 'none',
        concurrency: 3,
        intervalCap: 50,
        interval: 1000,
        handlers: { a: (payload: number) => payload },
      });
      // The shard's concurrency and its rate limit are two writes, so wait for the last one.
      await waitUntil(
        async () => (await redis.hget('palisade:{loose.s0}:meta', 'max')) !== null,
        10_000,
        'the worker to set the shard up',
      );
      expect(await redis.hmget('palisade:{loose.s0}:meta', 'concurrency', 'max', 'duration')).toEqual([
        '3',
        '50',
        '1000',
      ]);
      await worker.close();
      redis.disconnect();
    } finally {
      await queue.close();
    }
  });

  it('a job a stale producer adds to a shard after its handoff is forwarded to the key’s shard, and onMisroute reports it', async () => {
    const misroutes: JobMisrouteEvent[] = [];
    const queue = new JobQueue({
      name: 'stale',
      engine: engine(),
      shards: 2,
      router: jumpRouter(),
      handlers: { echo: (payload: string) => payload },
    });
    queue.onMisroute((event) => misroutes.push(event));
    const telemetry = new TestMetrics();
    instrumentJobQueue(queue, { name: 'stale', meterProvider: telemetry.meterProvider });
    try {
      await queue.resize(3);
      // A key that moved from shard 0 or 1 to shard 2, and its old shard.
      let key = '';
      let oldShard = -1;
      const before = jumpRouter().create([0, 1]);
      const after = jumpRouter().create([0, 1, 2]);
      const { hashKey } = await import('../key.js');
      for (let i = 0; !key; i++) {
        const hash = hashKey(`user${i}`);
        if (after.route(hash) === 2) {
          key = `user${i}`;
          oldShard = before.route(hash);
        }
      }
      // What a producer still routing with epoch 1 would write, straight into the old shard.
      const redis = new Redis(fixture.server.url, { maxRetriesPerRequest: null });
      const stale = new Queue(`{stale.s${oldShard}}`, { connection: redis, prefix: 'palisade' });
      const id = `${oldShard}-${randomUUID()}`;
      await stale.add('echo', { n: 'echo', k: key, p: JSON.stringify('late'), e: 1, f: 0 }, { jobId: id });
      expect(await queue.result(id, { timeout: 20_000 })).toBe('late');
      expect(misroutes).toHaveLength(1);
      expect(misroutes[0]).toMatchObject({ id, key, fromShard: oldShard, toShard: 2, producerEpoch: 1, epoch: 2 });
      expect(await telemetry.value('palisade.queue.job.misroutes', { 'palisade.queue.name': 'stale' })).toBe(1);
      await stale.close();
      redis.disconnect();
      await expect(queue.result('0-00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(JobNotFoundError);
    } finally {
      await queue.close();
    }
  });

  it('a resize whose driver died between pausing the receivers and switching the ring is undone by the workers', async () => {
    const redis = new Redis(fixture.server.url, { maxRetriesPerRequest: null });
    const producer = new JobQueue({
      name: 'orphan',
      engine: engine(),
      shards: 2,
      work: false,
      handlers: { echo: (payload: string) => payload },
    });
    try {
      const id = await producer.add('echo', 'hello', { key: 'k' });
      const shard = Number(id.split('-')[0]);
      // What a driver leaves behind when it dies right after pausing: the intent in the ring, the shard paused.
      const ring = JSON.parse((await redis.get('palisade:{orphan}:ring')) as string);
      await redis.set(
        'palisade:{orphan}:ring',
        JSON.stringify({ ...ring, version: ring.version + 1, pausing: { epoch: ring.epoch + 1, receivers: [shard] } }),
      );
      const paused = new Queue(`{orphan.s${shard}}`, { connection: redis, prefix: 'palisade' });
      await paused.pause();
      const worker = new JobQueue({
        name: 'orphan',
        engine: engine(),
        shards: 2,
        handlers: { echo: (payload: string) => payload },
      });
      try {
        expect(await producer.result(id, { timeout: 10_000 })).toBe('hello');
        expect(JSON.parse((await redis.get('palisade:{orphan}:ring')) as string).pausing).toBeNull();
        expect(await paused.isPaused()).toBe(false);
      } finally {
        await worker.close();
        await paused.close();
      }
    } finally {
      await producer.close();
      redis.disconnect();
    }
  });

  it('a worker that asks for its fencing token after its lock is gone gets JobLostError; the job runs again elsewhere', async () => {
    const redis = new Redis(fixture.server.url, { maxRetriesPerRequest: null });
    const outcomes: string[] = [];
    let lockGone = false;
    const queue = new JobQueue({
      name: 'lost',
      engine: engine(),
      shards: 1,
      handlers: {
        write: async (_payload: null, context: JobContext) => {
          if (context.attempt === 1 && !lockGone) {
            // As if this process froze past its lock: the lock expires, and only then does the handler ask.
            await redis.del(`palisade:{lost.s0}:${context.id}:lock`);
            lockGone = true;
          }
          try {
            outcomes.push(`token ${await context.fencingToken()}`);
          } catch (error) {
            outcomes.push((error as Error).name);
            throw error;
          }
          return 'written';
        },
      },
    });
    try {
      const id = await queue.add('write', null, { key: 'k' });
      expect(await queue.result(id, { timeout: 20_000 })).toBe('written');
      expect(outcomes[0]).toBe('JobLostError');
      expect(outcomes.slice(1)).toEqual([expect.stringMatching(/^token \d+$/)]);
      expect((await queue.stats()).failed).toBe(0);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
