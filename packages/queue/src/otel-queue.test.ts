import { delay, InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { eventsWithin, TestMetrics, testTracing } from '../../../scripts/lib/otel-test.ts';
import { boundedLoadRouter } from './bounded-load-router.js';
import { ShardedQueue, type ShardedQueueOptions } from './index.js';
import { hashKey } from './key.js';
import { instrumentQueue } from './otel.js';
import { keysOnShard, timed } from './sharded-queue.test-util.js';

const NAME = { 'palisade.queue.name': 'emails' };

function setup(options: ShardedQueueOptions<string> = {}, traceEvents?: boolean) {
  const clock = new VirtualClock();
  const queue = new ShardedQueue<string>({ shards: 2, concurrency: 1, clock, ...options });
  const telemetry = new TestMetrics();
  const handle = instrumentQueue(queue, {
    name: 'emails',
    meterProvider: telemetry.meterProvider,
    ...(traceEvents === undefined ? {} : { traceEvents }),
  });
  return { clock, queue, telemetry, handle };
}

describe('instrumentQueue: metrics', () => {
  it('palisade.queue.backlog and active report each shard', async () => {
    const { clock, queue, telemetry } = setup();
    const [a, b, c] = keysOnShard(queue, 0, 3);
    const [d] = keysOnShard(queue, 1, 1);
    const tasks = [a, b, c, d].map((key) => queue.add(key as string, timed(clock, 10, key)));
    await clock.advance(0);
    const perShard = async (metric: string) =>
      Object.fromEntries(
        (await telemetry.points(metric)).map((p) => [p.attributes['palisade.queue.shard'] as number, p.value]),
      );
    expect(await perShard('palisade.queue.backlog')).toEqual({ 0: 2, 1: 0 });
    expect(await perShard('palisade.queue.active')).toEqual({ 0: 1, 1: 1 });
    expect((await telemetry.points('palisade.queue.backlog'))[0]?.attributes).toEqual({
      ...NAME,
      'palisade.queue.shard': 0,
    });
    // Shard 0 carries 3 of the 4 tasks: its load over the mean (2) is 1.5.
    expect(await telemetry.value('palisade.queue.imbalance', NAME)).toBe(1.5);
    await clock.runAll();
    await Promise.all(tasks);
    expect(await perShard('palisade.queue.backlog')).toEqual({ 0: 0, 1: 0 });
    expect(await telemetry.value('palisade.queue.imbalance', NAME)).toBe(1);
  });

  it('palisade.queue.tasks counts tasks by outcome, and task.duration records how long each ran', async () => {
    const { clock, queue, telemetry } = setup({ shards: 1 });
    const ok = queue.add('a', timed(clock, 30, 'ok'));
    const failing = queue
      .add('a', async () => {
        await delay(20, { clock });
        throw new Error('boom');
      })
      .catch(() => {});
    await clock.runAll();
    await Promise.all([ok, failing]);
    expect(await telemetry.value('palisade.queue.tasks', { 'palisade.queue.outcome': 'completed' })).toBe(1);
    expect(await telemetry.value('palisade.queue.tasks', { 'palisade.queue.outcome': 'failed' })).toBe(1);
    expect(
      await telemetry.histogram('palisade.queue.task.duration', { 'palisade.queue.outcome': 'completed' }),
    ).toEqual({
      count: 1,
      sum: 0.03,
    });
    expect(await telemetry.histogram('palisade.queue.task.duration', { 'palisade.queue.outcome': 'failed' })).toEqual({
      count: 1,
      sum: 0.02,
    });
  });

  it('palisade.queue.rejections counts tasks turned away, by reason and limit', async () => {
    const { clock, queue, telemetry } = setup({ shards: 1, maxSize: 1 });
    const running = queue.add('a', timed(clock, 10, 'running'));
    await clock.advance(0);
    const waiting = queue.add('a', timed(clock, 10, 'waiting'));
    await queue.add('a', () => 'refused').catch(() => {});
    await queue.add('a', () => 'refused').catch(() => {});
    await clock.runAll();
    await Promise.all([running, waiting]);
    await queue.close();
    await queue.add('a', () => 'closed').catch(() => {});
    const rejections = await telemetry.points('palisade.queue.rejections');
    expect(rejections).toEqual([
      {
        attributes: { ...NAME, 'palisade.queue.reject.reason': 'full', 'palisade.queue.reject.limit': 'maxSize' },
        value: 2,
      },
      { attributes: { ...NAME, 'palisade.queue.reject.reason': 'closed' }, value: 1 },
    ]);
  });

  it('resizes, handoffs, moving_keys and shards follow a live resize', async () => {
    const clock = new VirtualClock();
    const { queue, telemetry } = setup({ clock, shards: 2 });
    const probe = new ShardedQueue<string>({ shards: 3, clock });
    const key = Array.from({ length: 1000 }, (_, i) => `user-${i}`).find((k) => probe.shardFor(k) === 2) as string;
    const old = queue.add(key, timed(clock, 10, 'old'));
    await clock.advance(5);
    queue.addShard();
    const moved = queue.add(key, timed(clock, 10, 'new'));
    expect(await telemetry.value('palisade.queue.moving_keys', NAME)).toBe(1);
    await clock.runAll();
    await Promise.all([old, moved]);
    expect(await telemetry.value('palisade.queue.handoffs', NAME)).toBe(1);
    expect(await telemetry.value('palisade.queue.moving_keys', NAME)).toBe(0);
    expect(await telemetry.value('palisade.queue.resizes', { 'palisade.queue.resize.change': 'added' })).toBe(1);
    const removing = queue.removeShard(0);
    expect(await telemetry.value('palisade.queue.resizes', { 'palisade.queue.resize.change': 'removed' })).toBe(1);
    await removing;
    expect(await telemetry.value('palisade.queue.shards', { 'palisade.queue.shard.state': 'active' })).toBe(2);
  });

  it('palisade.queue.spills counts keys placed past their first choice; waiting_for_room the tasks waiting for room', async () => {
    const clock = new VirtualClock();
    const { queue, telemetry } = setup({
      clock,
      shards: 4,
      concurrency: 1,
      router: boundedLoadRouter({ balanceFactor: 1.01 }),
    });
    const preferred = queue.router.route(hashKey('hot'));
    const other = keysOnShard(queue, preferred, 50).find((k) => queue.router.route(hashKey(k)) === preferred) as string;
    const blocker = queue.add(other, timed(clock, 10, 'blocker'));
    const spilled = queue.add('hot', ({ shardId }) => shardId);
    expect(await telemetry.value('palisade.queue.spills', NAME)).toBe(1);
    await clock.runAll();
    await Promise.all([blocker, spilled]);

    const full = setup({ shards: 1, maxSize: 1, whenFull: 'wait' });
    const first = full.queue.add('a', timed(full.clock, 10, 1));
    await full.clock.advance(0);
    const second = full.queue.add('a', timed(full.clock, 10, 2));
    const third = full.queue.add('a', timed(full.clock, 10, 3));
    expect(await full.telemetry.value('palisade.queue.waiting_for_room', NAME)).toBe(1);
    await full.clock.runAll();
    await Promise.all([first, second, third]);
  });

  it('with durations: false, records no task duration and reports the rest', async () => {
    const clock = new VirtualClock();
    const queue = new ShardedQueue<string>({ clock });
    const telemetry = new TestMetrics();
    instrumentQueue(queue, { name: 'emails', meterProvider: telemetry.meterProvider, durations: false });
    await queue.add('a', () => 1);
    expect(await telemetry.metric('palisade.queue.task.duration')).toBeUndefined();
    expect(await telemetry.value('palisade.queue.tasks', { 'palisade.queue.outcome': 'completed' })).toBe(1);
    expect(() => instrumentQueue(queue, { name: 'x', durations: 'no' as never })).toThrow(InvalidOptionError);
  });

  it('stops when disposed', async () => {
    const { queue, telemetry, handle } = setup();
    handle.dispose();
    await queue.add('a', () => 1);
    expect(await telemetry.collect()).toEqual([]);
  });

  it('throws typed errors for bad input', () => {
    expect(() => instrumentQueue({} as never, { name: 'x' })).toThrow(InvalidArgumentError);
    const queue = new ShardedQueue({ clock: new VirtualClock() });
    expect(() => instrumentQueue(queue, { name: '' })).toThrow(InvalidOptionError);
  });
});

describe('instrumentQueue: span events', () => {
  const tracing = testTracing();

  it('a task turned away adds palisade.queue.reject to the active span', async () => {
    const { queue, clock } = setup({ shards: 1, maxSize: 1 });
    const running = queue.add('a', timed(clock, 10, 1));
    await clock.advance(0);
    const waiting = queue.add('a', timed(clock, 10, 2));
    const events = await eventsWithin(tracing, () => queue.add('a', () => 3).catch(() => {}));
    expect(events).toEqual([
      {
        name: 'palisade.queue.reject',
        attributes: {
          ...NAME,
          'palisade.queue.reject.reason': 'full',
          'palisade.queue.reject.limit': 'maxSize',
          'error.type': 'ERR_PALISADE_QUEUE_FULL',
        },
      },
    ]);
    await clock.runAll();
    await Promise.all([running, waiting]);
  });

  it('adds nothing with traceEvents: false', async () => {
    const { queue, clock } = setup({ shards: 1, maxSize: 1 }, false);
    const running = queue.add('a', timed(clock, 10, 1));
    await clock.advance(0);
    const waiting = queue.add('a', timed(clock, 10, 2));
    expect(await eventsWithin(tracing, () => queue.add('a', () => 3).catch(() => {}))).toEqual([]);
    await clock.runAll();
    await Promise.all([running, waiting]);
  });
});
