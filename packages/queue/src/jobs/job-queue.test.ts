import { DeadlineExceededError, delay, InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueClosedError, QueueFullError } from '../errors.js';
import { jumpRouter } from '../jump-router.js';
import { JobFailedError, JobNotFoundError, PayloadNotJsonError, UnknownHandlerError } from './errors.js';
import { inProcessEngine } from './in-process-engine.js';
import { JobQueue } from './job-queue.js';
import type { JobContext, JobResizeEvent } from './types.js';

function setup(options: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) {
  const clock = new VirtualClock();
  const log: string[] = [];
  const tokens: number[] = [];
  const failuresLeft = new Map<string, number>();
  const handlers = {
    record: async (payload: { label: string; ms?: number; fail?: number }, context: JobContext) => {
      tokens.push(await context.fencingToken());
      log.push(`${payload.label}#${context.attempt}`);
      if (payload.fail !== undefined) {
        const left = failuresLeft.get(payload.label) ?? payload.fail;
        failuresLeft.set(payload.label, left - 1);
        if (left > 0) throw new Error(`${payload.label} failed`);
      }
      await delay(payload.ms ?? 10, { clock, signal: context.signal });
      return payload.label.toUpperCase();
    },
  };
  const queue = new JobQueue({ handlers, engine: inProcessEngine({ clock }), ...options });
  return { clock, log, tokens, queue };
}

describe('JobQueue, in process', () => {
  it('runs jobs by handler name, per key in order, and resolves their results', async () => {
    const { clock, log, queue } = setup({ shards: 2 });
    const ids = [
      await queue.add('record', { label: 'a1' }, { key: 'a' }),
      await queue.add('record', { label: 'b1' }, { key: 'b' }),
      await queue.add('record', { label: 'a2' }, { key: 'a' }),
    ];
    const results = Promise.all(ids.map((id) => queue.result(id)));
    await clock.runAll();
    expect(await results).toEqual(['A1', 'B1', 'A2']);
    expect(log.indexOf('a1#1')).toBeLessThan(log.indexOf('a2#1'));
    expect(new Set(ids).size).toBe(3);
    await queue.close();
  });

  it('retries a failing job in place: its key waits, and each attempt takes a larger fencing token', async () => {
    const { clock, log, tokens, queue } = setup({ shards: 1, attempts: 3, backoff: 100 });
    const failed: boolean[] = [];
    queue.onFailed((event) => failed.push(event.willRetry));
    const first = await queue.add('record', { label: 'x', fail: 2 }, { key: 'k' });
    const second = await queue.add('record', { label: 'y' }, { key: 'k' });
    const done = Promise.all([queue.result(first), queue.result(second)]);
    await clock.runAll();
    expect(await done).toEqual(['X', 'Y']);
    expect(log).toEqual(['x#1', 'x#2', 'x#3', 'y#1']);
    expect(failed).toEqual([true, true]);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(tokens.length);
    await queue.close();
  });

  it('onCompleted and onFailed carry how long each attempt ran, on the queue’s clock', async () => {
    const { clock, queue } = setup({ shards: 1, attempts: 2, backoff: 100 });
    const ends: string[] = [];
    queue.onCompleted(({ attempt, duration }) => ends.push(`completed #${attempt} in ${duration}`));
    queue.onFailed(({ attempt, duration }) => ends.push(`failed #${attempt} in ${duration}`));
    const id = await queue.add('record', { label: 'x', fail: 1, ms: 40 }, { key: 'k' });
    const done = queue.result(id);
    await clock.runAll();
    await done;
    expect(ends).toEqual(['failed #1 in 0', 'completed #2 in 40']);
    await queue.close();
  });

  it('fails a job for good after its attempts, with the last error as the cause', async () => {
    const { clock, queue } = setup({ attempts: 2, backoff: () => 5 });
    const id = await queue.add('record', { label: 'z', fail: 5 }, { key: 'k' });
    const outcome = queue.result(id).catch((error: unknown) => error);
    await clock.runAll();
    const error = (await outcome) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.code).toBe('ERR_PALISADE_QUEUE_JOB_FAILED');
    expect(error.attempts).toBe(2);
    expect((error.cause as Error).message).toBe('z failed');
    expect((await queue.stats()).failed).toBe(1);
  });

  it('times out an attempt with DeadlineExceededError and aborts its signal', async () => {
    const { clock, queue } = setup({ timeout: 5 });
    const id = await queue.add('record', { label: 'slow', ms: 50 }, { key: 'k' });
    const outcome = queue.result(id).catch((error: unknown) => error);
    await clock.runAll();
    expect(((await outcome) as JobFailedError).cause).toBeInstanceOf(DeadlineExceededError);
  });

  it('copies payloads in and results out as JSON, as Redis would', async () => {
    const clock = new VirtualClock();
    const seen: unknown[] = [];
    const queue = new JobQueue({
      engine: inProcessEngine({ clock }),
      handlers: {
        mutate: (payload: { list: number[] }) => {
          seen.push(structuredClone(payload));
          payload.list.push(99);
          throw new Error('again');
        },
        nothing: () => undefined,
      },
      attempts: 2,
      backoff: 0,
    });
    const payload = { list: [1] };
    const id = await queue.add('mutate', payload, { key: 1 });
    payload.list.push(2);
    const none = await queue.add('nothing', null, { key: 2 });
    await clock.runAll();
    await expect(queue.result(id)).rejects.toBeInstanceOf(JobFailedError);
    expect(seen).toEqual([{ list: [1] }, { list: [1] }]);
    expect(await queue.result(none)).toBeNull();
  });

  it('rejects when full, or waits for room; onReject reports the rejection', async () => {
    const { clock, queue } = setup({ shards: 1, maxSize: 2 });
    const rejected: number[] = [];
    queue.onReject((event) => rejected.push(event.reason === 'full' ? event.size : -1));
    await queue.add('record', { label: 'running' }, { key: 'a' });
    await Promise.resolve();
    await queue.add('record', { label: 'w1' }, { key: 'a' });
    await queue.add('record', { label: 'w2' }, { key: 'a' });
    await expect(queue.add('record', { label: 'w3' }, { key: 'a' })).rejects.toBeInstanceOf(QueueFullError);
    expect(rejected).toEqual([2]);
    const waiting = queue.add('record', { label: 'w3' }, { key: 'a', whenFull: 'wait' });
    let added = false;
    void waiting.then(() => {
      added = true;
    });
    await Promise.resolve();
    expect(added).toBe(false);
    await clock.advance(10);
    expect(typeof (await waiting)).toBe('string');
    await clock.runAll();
    expect((await queue.stats()).completed).toBe(4);
  });

  it('onReject reports an add after close() too, with reason closed', async () => {
    const { queue } = setup();
    const reasons: string[] = [];
    queue.onReject((event) => reasons.push(`${event.reason} ${event.name} ${String(event.key)} ${event.error.code}`));
    await queue.close();
    await expect(queue.add('record', { label: 'late' }, { key: 'k' })).rejects.toBeInstanceOf(QueueClosedError);
    expect(reasons).toEqual(['closed record k ERR_PALISADE_QUEUE_CLOSED']);
  });

  it('adding an id that exists does nothing; a result no longer kept is JobNotFoundError', async () => {
    const { clock, log, queue } = setup({ keepResults: 1 });
    expect(await queue.add('record', { label: 'once' }, { key: 'k', id: 'order-1' })).toBe('order-1');
    expect(await queue.add('record', { label: 'once' }, { key: 'k', id: 'order-1' })).toBe('order-1');
    const other = await queue.add('record', { label: 'two' }, { key: 'k' });
    await clock.runAll();
    expect(log).toEqual(['once#1', 'two#1']);
    await expect(queue.result('order-1')).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await queue.result(other)).toBe('TWO');
    await expect(queue.result('never-added')).rejects.toThrow(JobNotFoundError);
  });

  it('resizes while jobs flow: a moving key finishes on its old shard first, and onHandoff says so', async () => {
    const { clock, queue } = setup({ shards: 2, router: jumpRouter() });
    const starts: string[] = [];
    queue.onCompleted((event) => starts.push(`${event.key}@${event.shard}`));
    const handoffs: number[] = [];
    queue.onHandoff((event) => handoffs.push(event.epoch));
    const resizes: JobResizeEvent[] = [];
    queue.onResize((event) => resizes.push(event));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await queue.add('record', { label: `j${i}` }, { key: `key${i % 8}` }));
    const resized = queue.resize(4);
    for (let i = 40; i < 80; i++) ids.push(await queue.add('record', { label: `j${i}` }, { key: `key${i % 8}` }));
    await clock.runAll();
    await resized;
    const results = await Promise.all(ids.map((id) => queue.result(id)));
    expect(results).toEqual(ids.map((_, i) => `J${i}`));
    for (let k = 0; k < 8; k++) {
      const shards = starts.filter((s) => s.startsWith(`key${k}@`)).map((s) => Number(s.split('@')[1]));
      // Once a key has moved it never goes back: its shards form at most two runs.
      const changes = shards.filter((shard, i) => i > 0 && shard !== shards[i - 1]).length;
      expect(changes).toBeLessThanOrEqual(1);
    }
    const stats = await queue.stats();
    expect(stats.shards.map((shard) => shard.id)).toEqual([0, 1, 2, 3]);
    expect(stats.epoch).toBe(2);
    expect(stats.completed).toBe(80);
    expect(handoffs.length).toBeGreaterThan(0);
    expect(handoffs.every((epoch) => epoch === 2)).toBe(true);
    expect(resizes).toHaveLength(1);
    expect(resizes[0]).toMatchObject({ epoch: 2, previousShards: [0, 1], shards: [0, 1, 2, 3] });
    expect(resizes[0]?.movedFraction).toBeGreaterThan(0.4);
    expect(resizes[0]?.movedFraction).toBeLessThan(0.6);
  });

  it('close() runs what waits (delayed jobs at once), then add rejects with QueueClosedError', async () => {
    const { clock, log, queue } = setup({ keyOrder: 'none' });
    await queue.add('record', { label: 'now' }, { key: 1 });
    await queue.add('record', { label: 'later' }, { key: 2, delay: 60_000 });
    const closed = queue.close();
    await expect(queue.add('record', { label: 'x' }, { key: 3 })).rejects.toBeInstanceOf(QueueClosedError);
    await clock.runAll();
    await closed;
    expect(log.sort()).toEqual(['later#1', 'now#1']);
    expect(queue.close()).toBe(closed);
  });

  it('every job completes and each key runs in order over random adds, failures and resizes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('add' as const),
              key: fc.integer({ min: 0, max: 5 }),
              fail: fc.integer({ min: 0, max: 2 }),
            }),
            fc.record({ kind: fc.constant('resize' as const), count: fc.integer({ min: 1, max: 6 }) }),
            fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          const { clock, log, queue } = setup({ shards: 3, attempts: 3, backoff: 7 });
          const expected = new Map<number, string[]>();
          const ids: string[] = [];
          const resizes: Promise<void>[] = [];
          for (const [index, op] of ops.entries()) {
            if (op.kind === 'add') {
              const label = `k${op.key}-${index}`;
              expected.set(op.key, [...(expected.get(op.key) ?? []), label]);
              ids.push(await queue.add('record', { label, fail: op.fail }, { key: op.key }));
            } else if (op.kind === 'resize') {
              resizes.push(queue.resize(op.count));
            } else {
              await clock.advance(op.ms);
            }
          }
          await clock.runAll();
          await Promise.all(resizes);
          await Promise.all(ids.map((id) => queue.result(id)));
          for (const [key, labels] of expected) {
            // Attempts of one job are adjacent (retried in place), and jobs follow the order they were added.
            const ran = log.filter((entry) => entry.startsWith(`k${key}-`)).map((entry) => entry.split('#')[0]);
            expect(ran.filter((label, i) => i === 0 || label !== ran[i - 1])).toEqual(labels);
          }
          await queue.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('JobQueue bad input gives typed errors at the call site', () => {
  const { queue } = setup();

  it('an unknown handler name', () => {
    expect(() => queue.add('nope' as 'record', { label: 'x' }, { key: 'k' })).toThrow(UnknownHandlerError);
    try {
      queue.add('nope' as 'record', { label: 'x' }, { key: 'k' });
    } catch (error) {
      expect((error as UnknownHandlerError).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain('"record"');
    }
  });

  it.each([
    [{ label: 'x', at: new Date(0) }, 'payload.at'],
    [{ label: 'x', f: () => 1 }, 'payload.f'],
    [{ label: 'x', n: Number.NaN }, 'payload.n'],
    [{ label: 'x', big: 1n }, 'payload.big'],
    [{ label: 'x', gone: undefined }, 'payload.gone'],
    [{ label: 'x', list: [1, new Map()] }, 'payload.list[1]'],
    [{ label: 'x', [Symbol('s')]: 1 }, 'payload'],
    [undefined, 'payload'],
  ])('a payload that is not JSON data: %o at %s', (payload, path) => {
    expect(() => queue.add('record', payload as never, { key: 'k' })).toThrow(PayloadNotJsonError);
    try {
      queue.add('record', payload as never, { key: 'k' });
    } catch (error) {
      expect((error as PayloadNotJsonError).path).toBe(path);
      expect((error as PayloadNotJsonError).code).toBe('ERR_PALISADE_INVALID_ARGUMENT');
      expect(error).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('a cyclic payload', () => {
    const cyclic: Record<string, unknown> = { label: 'x' };
    cyclic.self = cyclic;
    expect(() => queue.add('record', cyclic as never, { key: 'k' })).toThrow(/cycle/);
  });

  it('bad keys, ids and per-job options: InvalidArgumentError naming options.<key>', () => {
    const argumentOf = (call: () => unknown): string => {
      try {
        call();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).not.toBeInstanceOf(InvalidOptionError);
        return (error as InvalidArgumentError).argument;
      }
      throw new Error('did not throw');
    };
    expect(argumentOf(() => queue.add('record', { label: 'x' }, undefined as never))).toBe('options');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: Number.NaN }))).toBe('options.key');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: {} as never }))).toBe('options.key');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', id: '123' }))).toBe('options.id');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', id: 'a:b' }))).toBe('options.id');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', id: 'wait' }))).toBe('options.id');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', priority: 2 }))).toBe('options.priority');
    expect(() => queue.add('record', { label: 'x' }, { key: 'k', priority: 2 })).toThrow(/keyOrder 'fifo'/);
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', delay: 5 }))).toBe('options.delay');
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', whenFull: 'drop' as never }))).toBe(
      'options.whenFull',
    );
    expect(argumentOf(() => queue.add('record', { label: 'x' }, { key: 'k', signal: {} as never }))).toBe(
      'options.signal',
    );
    expect(() => queue.add('record', { label: 'x' }, { key: 'k', prority: 1 } as never)).toThrow(
      /did you mean "options.priority"/,
    );
    expect(argumentOf(() => queue.result(''))).toBe('id');
    expect(argumentOf(() => queue.result('x', { timeout: -1 }))).toBe('options.timeout');
    expect(argumentOf(() => queue.resize(2, { signal: 'no' as never }))).toBe('options.signal');
  });

  it.each([0, 1025, 1.5, Number.NaN])('a shard count out of range: resize(%s)', (count) => {
    expect(() => queue.resize(count)).toThrow(InvalidArgumentError);
  });

  it.each([
    [{ shards: 0 }, 'shards'],
    [{ shards: 1025 }, 'shards'],
    [{ attempts: 0 }, 'attempts'],
    [{ backoff: -1 }, 'backoff'],
    [{ timeout: 0 }, 'timeout'],
    [{ keyOrder: 'lifo' }, 'keyOrder'],
    [{ name: 'has space' }, 'name'],
    [{ name: 'a:b' }, 'name'],
    [{ engine: {} }, 'engine'],
    [{ work: false }, 'work'],
    [{ handlers: { 'bad name': () => 1 } }, 'handlers.bad name'],
    [{ handlers: { ok: 'not a function' } }, 'handlers.ok'],
    [{ handlers: undefined }, 'handlers'],
    [{ atempts: 3 }, 'atempts'],
  ])('new JobQueue(%o) throws InvalidOptionError for %s', (options, option) => {
    const create = () => new JobQueue({ handlers: { record: () => 1 }, ...options } as never);
    expect(create).toThrow(InvalidOptionError);
    try {
      create();
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });
});
