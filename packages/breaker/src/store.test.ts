import { VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { fail, recordEvents, run } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitRecord } from './circuit-record.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { BreakerStoreConflictError } from './errors.js';
import type { BreakerPermit } from './permit.js';
import { type BreakerStore, MemoryBreakerStore } from './store.js';

describe('MemoryBreakerStore', () => {
  it('applies a transition only from the epoch before it', () => {
    const store = new MemoryBreakerStore({ kind: 'closed', epoch: 0, since: 0 });
    expect(store.transition({ kind: 'open', epoch: 2, since: 0, until: 5, attempt: 1 })).toBe(false);
    expect(store.transition({ kind: 'open', epoch: 1, since: 0, until: 5, attempt: 1 })).toBe(true);
    expect(store.transition({ kind: 'closed', epoch: 1, since: 0 })).toBe(false);
    expect(store.current()).toMatchObject({ kind: 'open', epoch: 1 });
  });

  it('counts probe slots per half-open epoch', () => {
    const store = new MemoryBreakerStore({ kind: 'open', epoch: 0, since: 0, until: 0, attempt: 1 });
    expect(store.acquireProbe(0, 1)).toBe(false); // not half-open
    store.transition({ kind: 'half-open', epoch: 1, since: 0, attempt: 1 });
    expect(store.acquireProbe(1, 2)).toBe(true);
    expect(store.acquireProbe(1, 2)).toBe(true);
    expect(store.acquireProbe(1, 2)).toBe(false);
    store.releaseProbe(1);
    expect(store.recordProbe(1, true)).toMatchObject({ inFlight: 0, successes: 1, failures: 0 });
    expect(store.acquireProbe(1, 2)).toBe(true);
    expect(store.recordProbe(0, true)).toBeUndefined(); // a past epoch
    expect(store.recordProbe(1, false)).toMatchObject({ inFlight: 0, successes: 1, failures: 1 });
    expect(store.recordProbe(1, false)).toBeUndefined(); // nothing in flight
    expect(store.acquireProbe(1, 2)).toBe(false);
  });
});

describe('two breakers on one store: the seam a shared (Redis) store plugs into', () => {
  function pair() {
    const clock = new VirtualClock();
    const store = new MemoryBreakerStore({ kind: 'closed', epoch: 0, since: 0 });
    const options = () => ({ clock, store, halfOpenAfter: 100, rule: new ConsecutiveFailuresRule({ threshold: 2 }) });
    return { clock, a: new CircuitBreaker(options()), b: new CircuitBreaker(options()) };
  }

  it('a trip in one opens the circuit for both; each counts its own window', async () => {
    const { a, b } = pair();
    await run(a, fail);
    await run(b, fail);
    expect(a.state).toBe(CircuitState.Closed); // one failure each: windows are local
    const bEvents = recordEvents(b);
    await run(a, fail);
    expect(a.state).toBe(CircuitState.Open);
    expect(b.state).toBe(CircuitState.Open);
    expect(b.tryAcquire()).toMatchObject({ admitted: false, reason: 'open' });
    // b learns of the change on its next call, and announces it then.
    expect(bEvents).toEqual(['break', 'state:Open', 'rejected:open']);
  });

  it('lets a single half-open probe through across both', async () => {
    const { clock, a, b } = pair();
    await run(a, fail, 2);
    await clock.advance(100);
    const probe = a.tryAcquire() as BreakerPermit;
    expect(probe.probe).toBe(true);
    expect(b.tryAcquire()).toMatchObject({ admitted: false, reason: 'half-open' });
    probe.success(1);
    expect(b.state).toBe(CircuitState.Closed);
    expect(b.tryAcquire().admitted).toBe(true);
  });

  it('a manual transition that keeps losing to another writer gives up with a typed error', () => {
    let record: CircuitRecord = { kind: 'closed', epoch: 0, since: 0 };
    const jumpy: BreakerStore = {
      current: () => {
        record = { ...record, epoch: record.epoch + 1 };
        return record;
      },
      transition: () => false,
      acquireProbe: () => false,
      releaseProbe: () => {},
      recordProbe: () => undefined,
    };
    const breaker = new CircuitBreaker({ store: jumpy });
    expect(() => breaker.isolate()).toThrow(BreakerStoreConflictError);
    expect(breaker.tryAcquire().admitted).toBe(true);
  });

  it('a store that cannot confirm a transition at once only ever rejects, never over-admits', async () => {
    const clock = new VirtualClock();
    const inner = new MemoryBreakerStore({ kind: 'closed', epoch: 0, since: 0 });
    let confirming = true;
    const pending: BreakerStore = {
      current: () => inner.current(),
      transition: (next) => (confirming ? inner.transition(next) : false),
      acquireProbe: (epoch, limit) => inner.acquireProbe(epoch, limit),
      releaseProbe: (epoch) => inner.releaseProbe(epoch),
      recordProbe: (epoch, ok) => inner.recordProbe(epoch, ok),
    };
    const breaker = new CircuitBreaker({
      clock,
      store: pending,
      halfOpenAfter: 10,
      rule: new ConsecutiveFailuresRule({ threshold: 1 }),
    });
    await run(breaker, fail);
    await clock.advance(10);
    confirming = false; // a remote claim to half-open is in flight
    expect(breaker.tryAcquire()).toMatchObject({ admitted: false, reason: 'open', retryAfter: 0 });
    confirming = true;
    expect(breaker.tryAcquire()).toMatchObject({ admitted: true, probe: true });
  });
});
