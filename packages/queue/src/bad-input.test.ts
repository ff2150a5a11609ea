import { CancelledError, delay, InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { boundedLoadRouter } from './bounded-load-router.js';
import { QueueClosedError } from './errors.js';
import { ShardedQueue } from './sharded-queue.js';

const clock = new VirtualClock();

describe('bad input gives typed errors at the call site', () => {
  it.each([
    [{ shards: 0 }, 'shards'],
    [{ shards: 1.5 }, 'shards'],
    [{ shards: 2000 }, 'shards'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: Number.NaN }, 'concurrency'],
    [{ keyConcurrency: 0 }, 'keyConcurrency'],
    [{ keyOrder: 'lifo' }, 'keyOrder'],
    [{ keyOrder: 'none', keyConcurrency: 2 }, 'keyConcurrency'],
    [{ maxSize: 0 }, 'maxSize'],
    [{ maxShardSize: -1 }, 'maxShardSize'],
    [{ whenFull: 'drop' }, 'whenFull'],
    [{ intervalCap: 0 }, 'intervalCap'],
    [{ interval: -1 }, 'interval'],
    [{ interval: Number.POSITIVE_INFINITY }, 'interval'],
    [{ timeout: 0 }, 'timeout'],
    [{ timeout: 2 ** 31 }, 'timeout'],
    [{ timeout: '5s' }, 'timeout'],
    [{ throughputWindow: 0 }, 'throughputWindow'],
    [{ router: 'rendezvous' }, 'router'],
    [{ router: { kind: 'x', create: () => null } }, 'router'],
    [{ backend: {} }, 'backend'],
    [{ clock: Date }, 'clock'],
    [{ keyOf: 'id' }, 'keyOf'],
  ])('new ShardedQueue(%j) throws InvalidOptionError for %s', (options, option) => {
    const create = () => new ShardedQueue(options as never);
    expect(create).toThrow(InvalidOptionError);
    try {
      create();
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
      expect((error as InvalidOptionError).code).toBe('ERR_PALISADE_INVALID_OPTION');
    }
  });

  it('rejects an options value that is not an object, and bad router options', () => {
    expect(() => new ShardedQueue(42 as never)).toThrow(InvalidOptionError);
    expect(() => boundedLoadRouter({ balanceFactor: 1 })).toThrow(InvalidOptionError);
    expect(() => boundedLoadRouter({ pointsPerShard: 0 })).toThrow(InvalidOptionError);
  });

  it.each([[undefined], [null], [{ id: 1 }], [['a']], [Symbol('k')], [10n], [true], [Number.NaN]])(
    'add(%s, …) throws InvalidArgumentError for a key that is not a string or a number',
    (key) => {
      const queue = new ShardedQueue({ clock });
      expect(() => queue.add(key as never, () => 1)).toThrow(InvalidArgumentError);
      expect(() => queue.shardFor(key as never)).toThrow(InvalidArgumentError);
      expect(queue.size).toBe(0);
    },
  );

  it('accepts any key through keyOf, and checks what keyOf returns', () => {
    const queue = new ShardedQueue<object>({ keyOf: (key) => (key as { id: never }).id, clock });
    expect(() => queue.add({ id: { nested: true } }, () => 1)).toThrow(/keyOf\(key\)/);
    expect(() => queue.add({ id: 'ok' }, () => 1)).not.toThrow();
  });

  it('throws for a task that is not a function and for bad add options', () => {
    const queue = new ShardedQueue({ clock });
    expect(() => queue.add('k', 'work' as never)).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, { priority: Number.NaN })).toThrow(InvalidOptionError);
    expect(() => queue.add('k', () => 1, { priority: '1' as never })).toThrow(InvalidOptionError);
    expect(() => queue.add('k', () => 1, { timeout: -5 })).toThrow(InvalidOptionError);
    expect(() => queue.add('k', () => 1, { whenFull: 'later' as never })).toThrow(InvalidOptionError);
    expect(() => queue.add('k', () => 1, { signal: {} as never })).toThrow(InvalidOptionError);
    expect(() => queue.add('k', () => 1, 'fast' as never)).toThrow(InvalidOptionError);
    expect(queue.size).toBe(0);
  });

  it('throws for a bad shard id, removing the last shard, or a bad resize count', () => {
    const queue = new ShardedQueue({ shards: 2, clock });
    expect(() => queue.removeShard(7)).toThrow(InvalidArgumentError);
    expect(() => queue.removeShard('0' as never)).toThrow(InvalidArgumentError);
    void queue.removeShard(1);
    expect(() => queue.removeShard(1)).toThrow(InvalidArgumentError);
    expect(() => queue.removeShard(0)).toThrow(/at least one/);
    expect(() => queue.resize(0)).toThrow(InvalidArgumentError);
    expect(() => queue.resize(2.5)).toThrow(InvalidArgumentError);
  });

  it('throws for onSizeLessThan limits that can never be reached, and a bad close option', () => {
    const queue = new ShardedQueue({ clock });
    expect(() => queue.onSizeLessThan(0)).toThrow(InvalidArgumentError);
    expect(() => queue.close({ drain: 'yes' as never })).toThrow(InvalidOptionError);
  });

  it.each(['nope', 42, null, {}, { aborted: false }, new AbortController()])(
    'throws InvalidOptionError for a signal of %o: in add, and in onIdle, onDrained and onSizeLessThan on a busy queue',
    (signal) => {
      const queue = new ShardedQueue({ shards: 1, clock });
      expect(() => queue.add('k', () => 1, { signal: signal as never })).toThrow(InvalidOptionError);
      void queue.add('k', () => delay(10, { clock }));
      void queue.add('k', () => delay(10, { clock }));
      expect(() => queue.onIdle({ signal: signal as never })).toThrow(InvalidOptionError);
      expect(() => queue.onDrained({ signal: signal as never })).toThrow(InvalidOptionError);
      expect(() => queue.onSizeLessThan(1, { signal: signal as never })).toThrow(InvalidOptionError);
      queue.clear();
    },
  );

  it('accepts a signal that is not instanceof AbortSignal but has its shape (another realm, a polyfill)', async () => {
    const queue = new ShardedQueue({ shards: 1, clock });
    const foreign = Object.assign(new EventTarget(), { aborted: false, reason: undefined as unknown });
    expect(foreign instanceof AbortSignal).toBe(false);
    const first = queue.add('k', () => delay(10, { clock }));
    const second = queue.add('k', () => 'ran', { signal: foreign as unknown as AbortSignal });
    const idle = queue.onIdle({ signal: foreign as unknown as AbortSignal });
    foreign.aborted = true;
    foreign.reason = 'gone';
    foreign.dispatchEvent(new Event('abort'));
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    await expect(idle).rejects.toBeInstanceOf(CancelledError);
    await clock.runAll();
    await first;
  });

  it('refuses resizes once closed', async () => {
    const queue = new ShardedQueue({ shards: 2, clock });
    await queue.close();
    expect(() => queue.addShard()).toThrow(QueueClosedError);
    expect(() => queue.removeShard(0)).toThrow(QueueClosedError);
    expect(() => queue.resize(3)).toThrow(QueueClosedError);
  });
});
