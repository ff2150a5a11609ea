import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Clock, InvalidArgumentError, InvalidOptionError, realClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../scripts/lib/redis-test.ts';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { BreakerOpenError } from './errors.js';
import type { BreakerPermit } from './permit.js';
import { commandCounts, eventually, type TestBackend, testBackend } from './redis-breaker.test-util.js';
import { BreakerBackendClosedError, RedisBreakerBackend } from './redis-breaker-backend.js';
import type { RedisBreakerReconcileEvent } from './redis-breaker-store.js';

const fail = () => Promise.reject(new Error('down'));
const succeed = () => Promise.resolve('ok');

/** Each breaker's store's first read, for `ready`. */
const firstReads = new WeakMap<CircuitBreaker, Promise<void>>();

function breakerOn(
  backend: RedisBreakerBackend,
  name: string,
  options: { threshold?: number; halfOpenAfter?: number; probes?: number } = {},
) {
  const store = backend.store(name);
  const breaker = new CircuitBreaker({
    store,
    rule: new ConsecutiveFailuresRule({ threshold: options.threshold ?? 2 }),
    halfOpenAfter: options.halfOpenAfter ?? 60_000,
    halfOpen: { probes: options.probes ?? 1 },
  });
  firstReads.set(breaker, store.ready);
  return breaker;
}

/** Waits until each breaker's store has read the shared state (bounded), and lets the breaker notice it. */
async function ready(...breakers: CircuitBreaker[]): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('a store never read the shared state')), 20_000).unref(),
  );
  await Promise.race([Promise.all(breakers.map((breaker) => firstReads.get(breaker))), timeout]);
  for (const breaker of breakers) {
    const permit = breaker.tryAcquire();
    if (permit.admitted) permit.release();
  }
}

describeWithRedis('RedisBreakerStore on a real Redis', (fixture) => {
  const backends: TestBackend[] = [];
  const make = (options?: Parameters<typeof testBackend>[1]) => {
    const made = testBackend(fixture.server.url, options);
    backends.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((each) => each.stop()));
  });

  it('costs no Redis command per call while the circuit is closed', async () => {
    const { backend, redis } = make();
    const breaker = breakerOn(backend, 'steady', { threshold: 1_000 });
    const store = backend.store('steady-probe');
    await store.ready;
    await ready(breaker);
    const before = backend.stats().commands;
    const countsBefore = await commandCounts(redis);
    for (let i = 0; i < 2_000; i++) await breaker.execute(i % 3 === 0 ? fail : succeed).catch(() => {});
    const countsAfter = await commandCounts(redis);
    expect(backend.stats().commands).toBe(before);
    for (const command of ['evalsha', 'eval', 'hgetall', 'hmget', 'get']) {
      expect(countsAfter.get(command) ?? 0, command).toBe(countsBefore.get(command) ?? 0);
    }
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it('a trip in one process opens the circuit in the other; isolation and reset follow too', async () => {
    const a = breakerOn(make().backend, 'shared');
    const b = breakerOn(make().backend, 'shared');
    await ready(a, b);
    await a.execute(fail).catch(() => {});
    expect(b.state).toBe(CircuitState.Closed); // windows are per process: one failure is not two
    await a.execute(fail).catch(() => {});
    expect(a.state).toBe(CircuitState.Open);
    expect(await eventually(() => !b.tryAcquire().admitted)).toBe(true);
    await expect(b.execute(succeed)).rejects.toBeInstanceOf(BreakerOpenError);

    a.reset();
    expect(await eventually(() => b.tryAcquire().admitted)).toBe(true);
    const isolation = b.isolate();
    expect(await eventually(() => a.state === CircuitState.Isolated)).toBe(true);
    isolation.dispose();
    expect(await eventually(() => a.state === CircuitState.Closed)).toBe(true);
  });

  it('takes time from Redis: a process whose clock is 10 s ahead neither probes early nor sees a longer open period', async () => {
    const ahead: Clock = {
      now: () => realClock.now() + 10_000,
      setTimeout: realClock.setTimeout,
      clearTimeout: realClock.clearTimeout,
    };
    const a = breakerOn(make().backend, 'skew', { threshold: 1, halfOpenAfter: 400 });
    const skewed = make({ clock: ahead }).backend;
    await skewed.store('warm-up').ready; // the offset comes from the first round trips
    const b = new CircuitBreaker({
      clock: ahead,
      store: skewed.store('skew'),
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
      halfOpenAfter: 400,
    });
    await ready(a, b);
    await a.execute(fail).catch(() => {});
    expect(await eventually(() => b.record.kind === 'open')).toBe(true);
    expect(b.retryAfter).toBeGreaterThan(200);
    expect(b.retryAfter).toBeLessThanOrEqual(400);
    expect(b.tryAcquire()).toMatchObject({ admitted: false, reason: 'open' });
    const probe = await until(
      () => b.tryAcquire(),
      (permit) => permit.admitted,
      3_000,
    );
    expect((probe as BreakerPermit).probe).toBe(true);
    (probe as BreakerPermit).success(1);
    expect(await eventually(() => a.tryAcquire().admitted)).toBe(true);
  });

  it('with halfOpen.probes 2, two processes probe at once and the circuit closes on both outcomes', async () => {
    const a = breakerOn(make().backend, 'two-probes', { threshold: 1, halfOpenAfter: 50, probes: 2 });
    const b = breakerOn(make().backend, 'two-probes', { threshold: 1, halfOpenAfter: 50, probes: 2 });
    await ready(a, b);
    await a.execute(fail).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 60));
    const first = await until(
      () => a.tryAcquire(),
      (permit) => permit.admitted,
      2_000,
    );
    const second = await until(
      () => b.tryAcquire(),
      (permit) => permit.admitted,
      2_000,
    );
    expect([(first as BreakerPermit).probe, (second as BreakerPermit).probe]).toEqual([true, true]);
    expect(a.tryAcquire()).toMatchObject({ admitted: false, reason: 'half-open' });
    (first as BreakerPermit).success(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.state).toBe(CircuitState.HalfOpen); // one of two is not enough
    (second as BreakerPermit).success(1);
    expect(await eventually(() => a.state === CircuitState.Closed && b.state === CircuitState.Closed)).toBe(true);
  });

  it('a probe that fails opens the circuit again for every process', async () => {
    const a = breakerOn(make().backend, 'reopen', { threshold: 1, halfOpenAfter: 50 });
    const b = breakerOn(make().backend, 'reopen', { threshold: 1, halfOpenAfter: 50 });
    await ready(a, b);
    await a.execute(fail).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 60));
    const probe = (await until(
      () => b.tryAcquire(),
      (permit) => permit.admitted,
      2_000,
    )) as BreakerPermit;
    probe.failure(new Error('still down'), 1);
    expect(b.record).toMatchObject({ kind: 'open', attempt: 2 });
    expect(await eventually(() => a.record.kind === 'open' && a.record.attempt === 2)).toBe(true);
  });

  it('runs again after Redis forgot the script (SCRIPT FLUSH, as after a restart)', async () => {
    const { backend, redis } = make();
    const a = breakerOn(backend, 'flushed', { threshold: 1 });
    await ready(a);
    await redis.script('FLUSH');
    await a.execute(fail).catch(() => {});
    const b = breakerOn(make().backend, 'flushed');
    await ready(b);
    expect(await eventually(() => b.record.kind === 'open')).toBe(true);
    expect(backend.stats().failedCommands).toBe(0);
  });

  it('keeps its keys in one hash slot, under the prefix', async () => {
    const { backend, redis } = make({ prefix: 'test' });
    const a = breakerOn(backend, 'layout', { threshold: 1 });
    await ready(a);
    await a.execute(fail).catch(() => {});
    await eventually(() => a.record.kind === 'open' && a.record.epoch > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const keys = (await redis.keys('test:*')).sort();
    expect(keys).toEqual(['test:breaker:{layout}:state']);
    expect(await redis.hgetall('test:breaker:{layout}:state')).toMatchObject({ k: 'o', a: '1' });
    const slots = await Promise.all(
      ['state', 'probes', 'trips'].map((k) =>
        redis.call('CLUSTER', 'KEYSLOT', `test:breaker:{layout}:${k}`).catch(() => 'n/a'),
      ),
    );
    expect(new Set(slots).size).toBe(1);
  });

  it('a registry of shared breakers: keys share circuits across processes, and idle ones are dropped with their stores', async () => {
    const one = make().backend;
    const two = make().backend;
    const options = { idleTimeout: 100, breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 1 }) }) };
    const first = one.registry(options);
    const second = two.registry(options);
    await first.execute('tenant-a', fail).catch(() => {});
    expect(await eventually(() => !second.tryAcquire('tenant-a').admitted, 2_000)).toBe(true);
    const permit = second.tryAcquire('tenant-b');
    expect(permit.admitted).toBe(true);
    (permit as BreakerPermit).release();
    expect(two.stats().circuits).toBe(2);
    // tenant-a stays (open), tenant-b goes once idle.
    expect(await eventually(() => second.size === 1 && two.stats().circuits === 1, 2_000)).toBe(true);
  });

  it('falls back to its own circuit when Redis stops answering, and reconciles when it answers again (open wins)', async () => {
    const a = make({ staleness: 200, commandTimeout: 200 }).backend;
    const b = make({ staleness: 200, commandTimeout: 200 }).backend;
    const events: RedisBreakerReconcileEvent[] = [];
    a.onReconcile((event) => events.push(event));
    const ba = breakerOn(a, 'frozen', { threshold: 2 });
    const bb = breakerOn(b, 'frozen', { threshold: 2 });
    await ready(ba, bb);
    fixture.server.freeze();
    try {
      expect(await eventually(() => !a.connected, 2_000)).toBe(true);
      const started = Date.now();
      await ba.execute(fail).catch(() => {});
      await ba.execute(fail).catch(() => {});
      expect(Date.now() - started).toBeLessThan(500); // no call waits for Redis
      expect(ba.state).toBe(CircuitState.Open);
      expect(bb.state).toBe(CircuitState.Closed);
    } finally {
      fixture.server.thaw();
    }
    expect(await eventually(() => a.connected && b.connected, 5_000)).toBe(true);
    expect(await eventually(() => !bb.tryAcquire().admitted, 5_000)).toBe(true);
    expect(events).toEqual([{ name: 'frozen', local: 'open', remote: 'closed', result: 'open' }]);
  });

  it('a store awaited for its first read is not garbage-collected while it waits', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--no-warnings',
        '--import',
        fileURLToPath(new URL('../../../scripts/lib/source-imports.ts', import.meta.url)),
        fileURLToPath(new URL('./redis-ready-gc.test-util.ts', import.meta.url)),
        fixture.server.url,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ready');
  });

  it('close() gives back a held probe slot at once, and lets go of its connections', async () => {
    const holder = make({ leaseDuration: 60_000 });
    const a = breakerOn(holder.backend, 'handover', { threshold: 1, halfOpenAfter: 20 });
    const b = breakerOn(make().backend, 'handover', { threshold: 1, halfOpenAfter: 20 });
    await ready(a, b);
    await a.execute(fail).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 30));
    const held = await until(
      () => a.tryAcquire(),
      (permit) => permit.admitted,
      2_000,
    );
    expect((held as BreakerPermit).probe).toBe(true);
    expect(b.tryAcquire().admitted).toBe(false);
    const clients = async () =>
      String(await holder.redis.call('CLIENT', 'LIST'))
        .trim()
        .split('\n').length;
    const before = await clients();
    await holder.backend.close();
    await holder.backend.close();
    expect(holder.backend.connected).toBe(false);
    let after = await clients();
    for (let tries = 0; tries < 100 && after !== before - 2; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = await clients();
    }
    expect(after, 'the command and pub/sub connections are gone').toBe(before - 2);
    const next = await until(
      () => b.tryAcquire(),
      (permit) => permit.admitted,
      2_000,
    );
    expect((next as BreakerPermit).probe).toBe(true);
    expect(() => holder.backend.store('after')).toThrow(BreakerBackendClosedError);
  });
});

describeWithRedis('a Redis that loses its data', (fixture) => {
  it('stores follow Redis back to a closed circuit after a restart without persistence, rather than wait for an epoch that is gone', async () => {
    const one = testBackend(fixture.server.url, { staleness: 200, commandTimeout: 200 });
    const two = testBackend(fixture.server.url, { staleness: 200, commandTimeout: 200 });
    try {
      const a = breakerOn(one.backend, 'forgotten', { threshold: 1, halfOpenAfter: 200 });
      const b = breakerOn(two.backend, 'forgotten', { threshold: 1, halfOpenAfter: 200 });
      await ready(a, b);
      // Open and closed again a few times, so that the epoch in Redis is well past 0.
      for (let i = 0; i < 3; i++) {
        await a.execute(fail).catch(() => {});
        a.reset();
      }
      await a.execute(fail).catch(() => {});
      expect(await eventually(() => b.record.kind === 'open')).toBe(true);
      await fixture.server.kill();
      fixture.server = await fixture.server.restart();
      expect(await eventually(() => one.backend.connected && two.backend.connected, 10_000)).toBe(true);
      // Redis has no record: the circuit is closed for everyone, and a new trip opens it for everyone again.
      expect(await eventually(() => a.tryAcquire().admitted && b.tryAcquire().admitted, 5_000)).toBe(true);
      await b.execute(fail).catch(() => {});
      expect(await eventually(() => a.record.kind === 'open')).toBe(true);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });
});

describe('RedisBreakerBackend bad input', () => {
  // Nothing listens there: a backend that were built would only ever be disconnected.
  const nowhere = 'redis://127.0.0.1:1';

  it.each([
    [undefined, 'options'],
    [{}, 'connection'],
    [{ connection: 42 }, 'connection'],
    [{ connection: 'localhost:6379' }, 'connection'],
    [{ connection: { cluster: [] } }, 'connection.cluster'],
    [{ connection: { port: 6379, keyPrefix: 'app:' } }, 'connection.keyPrefix'],
    [{ connection: nowhere, stalenes: 500 }, 'stalenes'],
    [{ connection: nowhere, staleness: 0 }, 'staleness'],
    [{ connection: nowhere, commandTimeout: Number.NaN }, 'commandTimeout'],
    [{ connection: nowhere, leaseDuration: Number.POSITIVE_INFINITY }, 'leaseDuration'],
    [{ connection: nowhere, leaseDuration: 1_000, heartbeatInterval: 500 }, 'heartbeatInterval'],
    [{ connection: nowhere, quorum: { processes: 0 } }, 'quorum.processes'],
    [{ connection: nowhere, quorum: { procesess: 2 } }, 'quorum.procesess'],
    [{ connection: nowhere, quorum: 3 }, 'quorum'],
    [{ connection: nowhere, ttl: -1 }, 'ttl'],
    [{ connection: nowhere, id: 'two words' }, 'id'],
    [{ connection: nowhere, prefix: 'a:b' }, 'prefix'],
    [{ connection: nowhere, clock: {} }, 'clock.now'],
  ] as [Record<string, unknown> | undefined, string][])('%j throws InvalidOptionError naming %s', (options, option) => {
    expect(() => new RedisBreakerBackend(options as never)).toThrow(InvalidOptionError);
    try {
      new RedisBreakerBackend(options as never);
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it('suggests the nearest option for a misspelt one', () => {
    expect(() => new RedisBreakerBackend({ connection: nowhere, stalenes: 500 } as never)).toThrow(
      /did you mean "staleness"/,
    );
  });

  it('store() takes a non-empty name, and a store serves breakers that decide half-open alike', async () => {
    const backend = new RedisBreakerBackend({ connection: nowhere });
    try {
      for (const name of ['', 42, 'two\nlines']) {
        expect(() => backend.store(name as string)).toThrow(InvalidArgumentError);
      }
      const store = backend.store('one');
      new CircuitBreaker({ store, halfOpen: { probes: 2 } });
      expect(() => new CircuitBreaker({ store, halfOpen: { probes: 3 } })).toThrow(InvalidOptionError);
      expect(() => backend.registry({ breaker: { rule: new ConsecutiveFailuresRule() } })).toThrow(InvalidOptionError);
      expect(() => backend.registry({ circuitName: 'name' as never })).toThrow(InvalidOptionError);
    } finally {
      await backend.close();
    }
    expect(() => backend.store('late')).toThrow(BreakerBackendClosedError);
  });
});

/** Calls `next` every few ms until `done` says its result will do; bounded by `timeout`. */
async function until<T>(next: () => T, done: (value: T) => boolean, timeout: number): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = next();
    if (done(value) || Date.now() > deadline) return value;
    if (typeof (value as { release?: () => void }).release === 'function') (value as { release: () => void }).release();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
