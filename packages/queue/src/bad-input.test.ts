import { CancelledError, delay, InvalidArgumentError, InvalidOptionError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { ADD_OPTION_KEYS, isAddOptionKey } from './add-options.js';
import { boundedLoadRouter } from './bounded-load-router.js';
import { QueueClosedError } from './errors.js';
import { ShardedQueue } from './sharded-queue.js';

const clock = new VirtualClock();

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

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
    expect(() => queue.add('k', () => 1, { priority: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, { priority: '1' as never })).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, { timeout: -5 })).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, { whenFull: 'later' as never })).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, { signal: {} as never })).toThrow(InvalidArgumentError);
    expect(() => queue.add('k', () => 1, 'fast' as never)).toThrow(InvalidArgumentError);
    expect(queue.size).toBe(0);
  });

  it.each([
    [{ priority: Number.NaN }, 'options.priority'],
    [{ priority: '1' }, 'options.priority'],
    [{ priority: null }, 'options.priority'],
    [{ timeout: -5 }, 'options.timeout'],
    [{ timeout: 0 }, 'options.timeout'],
    [{ timeout: 2 ** 31 }, 'options.timeout'],
    [{ whenFull: 'later' }, 'options.whenFull'],
    [{ whenFull: null }, 'options.whenFull'],
    [{ signal: {} }, 'options.signal'],
    ['fast', 'options'],
    [null, 'options'],
  ])(
    'add(key, task, %o) throws InvalidArgumentError for %s: a per-call argument, not a constructor option',
    (options, argument) => {
      const queue = new ShardedQueue({ clock });
      const error = thrownBy(() => queue.add('k', () => 1, options as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).not.toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument });
      expect(queue.size).toBe(0);
    },
  );

  it('throws InvalidArgumentError, not InvalidOptionError, for bad options of close and the waits', () => {
    const queue = new ShardedQueue({ shards: 1, clock });
    void queue.add('k', () => delay(10, { clock }));
    void queue.add('k', () => delay(10, { clock }));
    const calls: [() => unknown, string][] = [
      [() => queue.close({ drain: 'yes' as never }), 'options.drain'],
      [() => queue.close('now' as never), 'options'],
      [() => queue.onIdle({ signal: 'nope' as never }), 'options.signal'],
      [() => queue.onDrained(7 as never), 'options'],
      [() => queue.onSizeLessThan(1, { signal: {} as never }), 'options.signal'],
    ];
    for (const [call, argument] of calls) {
      const error = thrownBy(call);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).not.toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument });
    }
    expect(queue.isClosed).toBe(false);
    queue.clear();
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
    expect(() => queue.close({ drain: 'yes' as never })).toThrow(InvalidArgumentError);
  });

  it.each(['nope', 42, null, {}, { aborted: false }, new AbortController()])(
    'throws InvalidArgumentError for a signal of %o: in add, and in onIdle, onDrained and onSizeLessThan on a busy queue',
    (signal) => {
      const queue = new ShardedQueue({ shards: 1, clock });
      expect(() => queue.add('k', () => 1, { signal: signal as never })).toThrow(InvalidArgumentError);
      void queue.add('k', () => delay(10, { clock }));
      void queue.add('k', () => delay(10, { clock }));
      expect(() => queue.onIdle({ signal: signal as never })).toThrow(InvalidArgumentError);
      expect(() => queue.onDrained({ signal: signal as never })).toThrow(InvalidArgumentError);
      expect(() => queue.onSizeLessThan(1, { signal: signal as never })).toThrow(InvalidArgumentError);
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

describe('unknown option keys are typed errors that suggest the nearest known key', () => {
  it.each([
    [{ concurrncy: 2 }, 'concurrncy', 'concurrency'],
    [{ maxShardsize: 2 }, 'maxShardsize', 'maxShardSize'],
    [{ timeoutMs: 100 }, 'timeoutMs', 'timeout'],
    [{ interval: 10, intervalcap: 2 }, 'intervalcap', 'intervalCap'],
    [{ throughputWindowMs: 500 }, 'throughputWindowMs', 'throughputWindow'],
  ])('new ShardedQueue(%o) throws InvalidOptionError for %s, suggesting %s', (options, option, suggestion) => {
    const error = thrownBy(() => new ShardedQueue(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_OPTION', option });
    expect((error as Error).message).toContain(`did you mean "${suggestion}"?`);
  });

  it('lists the known options when no key is close, and checks the router options too', () => {
    const error = thrownBy(() => new ShardedQueue({ colour: 'red' } as never));
    expect(error).toMatchObject({ option: 'colour' });
    expect((error as Error).message).toContain('one of the known options (shards, concurrency, keyOrder');
    const routerError = thrownBy(() => boundedLoadRouter({ balancefactor: 1.5 } as never));
    expect(routerError).toBeInstanceOf(InvalidOptionError);
    expect(routerError).toMatchObject({ option: 'balancefactor' });
    expect((routerError as Error).message).toContain('did you mean "balanceFactor"?');
  });

  it.each([
    [{ priorty: 1 }, 'options.priorty', 'options.priority'],
    [{ timeout: 5, whenfull: 'wait' }, 'options.whenfull', 'options.whenFull'],
    [{ signl: new AbortController().signal }, 'options.signl', 'options.signal'],
    [{ timeoutMs: 5 }, 'options.timeoutMs', 'options.timeout'],
  ])(
    'add(key, task, %o) throws InvalidArgumentError for %s, suggesting %s, and adds nothing',
    (options, argument, suggestion) => {
      const queue = new ShardedQueue({ clock });
      const error = thrownBy(() => queue.add('k', () => 1, options as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).not.toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument });
      expect((error as Error).message).toContain(`did you mean "${suggestion}"?`);
      expect(queue.size).toBe(0);
    },
  );

  it('checks the options of close and of the waits the same way', () => {
    const queue = new ShardedQueue({ clock });
    const closeError = thrownBy(() => queue.close({ drian: true } as never));
    expect(closeError).toMatchObject({ code: 'ERR_PALISADE_INVALID_ARGUMENT', argument: 'options.drian' });
    expect((closeError as Error).message).toContain('did you mean "options.drain"?');
    expect(queue.isClosed).toBe(false);
    for (const wait of [
      () => queue.onIdle({ sigal: 1 } as never),
      () => queue.onSizeLessThan(2, { sigal: 1 } as never),
    ]) {
      expect(thrownBy(wait)).toMatchObject({ argument: 'options.sigal' });
    }
  });

  it('accepts every known add option, and the fast check agrees with the list', async () => {
    expect(ADD_OPTION_KEYS.every(isAddOptionKey)).toBe(true);
    expect(['priorities', 'constructor', 'toString', ''].some(isAddOptionKey)).toBe(false);
    const queue = new ShardedQueue({ clock });
    const options = { priority: 1, signal: new AbortController().signal, timeout: 10, whenFull: 'wait' } as const;
    expect(Object.keys(options).sort()).toEqual([...ADD_OPTION_KEYS].sort());
    expect(await queue.add('k', () => 'ran', options)).toBe('ran');
  });
});
