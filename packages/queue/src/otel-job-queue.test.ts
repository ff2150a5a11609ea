import { delay, InvalidArgumentError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import { QueueFullError } from './errors.js';
import { inProcessEngine } from './jobs/in-process-engine.js';
import { JobQueue } from './jobs/job-queue.js';
import type { JobContext } from './jobs/types.js';
import { jumpRouter } from './jump-router.js';
import { instrumentJobQueue } from './otel.js';

const NAME = { 'palisade.queue.name': 'billing' };

function setup(options: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}, traceEvents?: boolean) {
  const clock = new VirtualClock();
  const failuresLeft = new Map<string, number>();
  const handlers = {
    work: async (payload: { label: string; ms?: number; fail?: number }, context: JobContext) => {
      const left = failuresLeft.get(payload.label) ?? payload.fail ?? 0;
      failuresLeft.set(payload.label, left - 1);
      if (left > 0) throw new Error(`${payload.label} failed`);
      await delay(payload.ms ?? 10, { clock, signal: context.signal });
      return payload.label;
    },
  };
  const queue = new JobQueue({ handlers, engine: inProcessEngine({ clock }), ...options });
  const telemetry = new TestMetrics();
  const handle = instrumentJobQueue(queue, {
    name: 'billing',
    meterProvider: telemetry.meterProvider,
    ...(traceEvents === undefined ? {} : { traceEvents }),
  });
  return { clock, queue, telemetry, handle };
}

describe('instrumentJobQueue: metrics', () => {
  it('job.backlog and job.active report each shard; job.finished the jobs by outcome; workers and shards', async () => {
    const { clock, queue, telemetry } = setup({ shards: 1, attempts: 1 });
    const ids = [
      await queue.add('work', { label: 'a', ms: 10 }, { key: 'k' }),
      await queue.add('work', { label: 'b', ms: 10 }, { key: 'k' }),
      await queue.add('work', { label: 'c', fail: 1 }, { key: 'k' }),
    ];
    await clock.advance(0);
    const shard0 = { ...NAME, 'palisade.queue.shard': 0 };
    expect(await telemetry.value('palisade.queue.job.active', shard0)).toBe(1);
    expect(await telemetry.value('palisade.queue.job.backlog', shard0)).toBe(2);
    const results = Promise.allSettled(ids.map((id) => queue.result(id)));
    await clock.runAll();
    await results;
    expect(await telemetry.value('palisade.queue.job.finished', { 'palisade.queue.outcome': 'completed' })).toBe(2);
    expect(await telemetry.value('palisade.queue.job.finished', { 'palisade.queue.outcome': 'failed' })).toBe(1);
    expect(await telemetry.value('palisade.queue.job.backlog', shard0)).toBe(0);
    expect(await telemetry.value('palisade.queue.job.imbalance', NAME)).toBe(1);
    expect(await telemetry.value('palisade.queue.job.workers', NAME)).toBe(1);
    expect(await telemetry.value('palisade.queue.job.shards', { 'palisade.queue.shard.state': 'active' })).toBe(1);
    await queue.close();
  });

  it('job.duration records each attempt in seconds; job.retries the attempts another follows', async () => {
    const { clock, queue, telemetry } = setup({ shards: 1, attempts: 3, backoff: 100 });
    const id = await queue.add('work', { label: 'x', fail: 2, ms: 40 }, { key: 'k' });
    const done = queue.result(id);
    await clock.runAll();
    await done;
    expect(await telemetry.histogram('palisade.queue.job.duration', { 'palisade.queue.outcome': 'completed' })).toEqual(
      {
        count: 1,
        sum: 0.04,
      },
    );
    expect(await telemetry.histogram('palisade.queue.job.duration', { 'palisade.queue.outcome': 'failed' })).toEqual({
      count: 2,
      sum: 0,
    });
    expect(await telemetry.value('palisade.queue.job.retries', NAME)).toBe(2);
    await queue.close();
  });

  it('job.rejections counts adds turned away, by reason', async () => {
    const { queue, telemetry } = setup({ shards: 1, maxSize: 1 });
    await queue.add('work', { label: 'running' }, { key: 'a' });
    await Promise.resolve();
    await queue.add('work', { label: 'waiting' }, { key: 'a' });
    await expect(queue.add('work', { label: 'refused' }, { key: 'a' })).rejects.toBeInstanceOf(QueueFullError);
    expect(await telemetry.value('palisade.queue.job.rejections', { 'palisade.queue.reject.reason': 'full' })).toBe(1);
    void queue.close();
    await expect(queue.add('work', { label: 'late' }, { key: 'a' })).rejects.toThrow();
    expect(await telemetry.value('palisade.queue.job.rejections', { 'palisade.queue.reject.reason': 'closed' })).toBe(
      1,
    );
  });

  it('job.resizes and job.handoffs follow a resize while jobs flow', async () => {
    const { clock, queue, telemetry } = setup({ shards: 2, router: jumpRouter() });
    let handoffs = 0;
    queue.onHandoff(() => handoffs++);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await queue.add('work', { label: `j${i}` }, { key: `key${i % 8}` }));
    const resized = queue.resize(4);
    for (let i = 40; i < 80; i++) ids.push(await queue.add('work', { label: `j${i}` }, { key: `key${i % 8}` }));
    await clock.runAll();
    await resized;
    await Promise.all(ids.map((id) => queue.result(id)));
    expect(handoffs).toBeGreaterThan(0);
    expect(await telemetry.value('palisade.queue.job.handoffs', NAME)).toBe(handoffs);
    expect(await telemetry.value('palisade.queue.job.resizes', NAME)).toBe(1);
    expect(await telemetry.value('palisade.queue.job.shards', { 'palisade.queue.shard.state': 'active' })).toBe(4);
    await queue.close();
  });

  it('stops when disposed, and throws InvalidArgumentError for something that is not a JobQueue', async () => {
    const { clock, queue, telemetry, handle } = setup();
    handle.dispose();
    const id = await queue.add('work', { label: 'a' }, { key: 'k' });
    const done = queue.result(id);
    await clock.runAll();
    await done;
    expect(await telemetry.collect()).toEqual([]);
    expect(() => instrumentJobQueue({} as never, { name: 'x' })).toThrow(InvalidArgumentError);
    await queue.close();
  });
});

describe('instrumentJobQueue: span events', () => {
  const tracing = testTracing();

  it('an add turned away adds palisade.queue.reject to the active span', async () => {
    const { queue } = setup({ shards: 1, maxSize: 1 });
    await queue.add('work', { label: 'running' }, { key: 'a' });
    await Promise.resolve();
    await queue.add('work', { label: 'waiting' }, { key: 'a' });
    const events = await eventsWithin(tracing, () => queue.add('work', { label: 'x' }, { key: 'a' }).catch(() => {}));
    expect(events).toEqual([
      {
        name: 'palisade.queue.reject',
        attributes: { ...NAME, 'palisade.queue.reject.reason': 'full', 'error.type': 'ERR_PALISADE_QUEUE_FULL' },
      },
    ]);
    void queue.close();
  });
});
