import type { Event } from '@palisade/core';
import {
  type CircuitState,
  handleAll,
  type IBreaker,
  type IDefaultPolicyContext,
  type IPolicy,
  type ISuccessEvent,
  retry,
  wrap,
} from 'cockatiel';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type BreakerErrorCode,
  type BreakerHalfOpenError,
  type BreakerIsolatedError,
  type BreakerOpenError,
  type BreakerPermit,
  type BreakerRejection,
  type BreakerStore,
  type BreakerStoreConflictError,
  CircuitBreaker,
  type CircuitRecord,
  ConsecutiveFailuresRule,
  CountWindowRule,
  MemoryBreakerStore,
  type ProbeTimeoutError,
  TimeWindowRule,
  type TripRule,
} from './index.js';
import type { BreakerBackendClosedError } from './redis-breaker-backend.js';

describe('types', () => {
  it('a breaker is a cockatiel IPolicy and keeps execute’s type through wrap()', () => {
    const breaker = new CircuitBreaker();
    expectTypeOf(breaker).toExtend<IPolicy<IDefaultPolicyContext, never>>();
    expectTypeOf(breaker.execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(breaker.execute(async () => 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(wrap(retry(handleAll, { maxAttempts: 2 }), breaker).execute(() => true)).toEqualTypeOf<
      Promise<boolean>
    >();
    expectTypeOf(breaker.state).toEqualTypeOf<CircuitState>();
    expectTypeOf(breaker.onSuccess).toEqualTypeOf<Event<ISuccessEvent>>();
  });

  it('rules are cockatiel IBreakers and palisade TripRules', () => {
    expectTypeOf(new ConsecutiveFailuresRule()).toExtend<IBreaker>();
    expectTypeOf(new CountWindowRule()).toExtend<TripRule>();
    expectTypeOf(new TimeWindowRule()).toExtend<IBreaker & TripRule>();
  });

  it('tryAcquire narrows on `admitted`', () => {
    const admission = new CircuitBreaker().tryAcquire();
    expectTypeOf(admission).toEqualTypeOf<BreakerPermit | BreakerRejection>();
    if (admission.admitted) expectTypeOf(admission).toEqualTypeOf<BreakerPermit>();
    else expectTypeOf(admission.reason).toEqualTypeOf<'open' | 'half-open' | 'isolated'>();
  });

  it('the circuit record is a discriminated union', () => {
    const record = new CircuitBreaker().record;
    expectTypeOf(record).toEqualTypeOf<CircuitRecord>();
    if (record.kind === 'open') expectTypeOf(record.until).toEqualTypeOf<number>();
    expectTypeOf(new MemoryBreakerStore({ kind: 'closed', epoch: 0, since: 0 })).toExtend<BreakerStore>();
  });

  it("each error's code is its own literal, and together they are BreakerErrorCode", () => {
    expectTypeOf<BreakerOpenError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_OPEN'>();
    expectTypeOf<BreakerHalfOpenError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_HALF_OPEN'>();
    expectTypeOf<BreakerIsolatedError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_ISOLATED'>();
    expectTypeOf<ProbeTimeoutError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_PROBE_TIMEOUT'>();
    expectTypeOf<BreakerStoreConflictError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_STORE_CONFLICT'>();
    expectTypeOf<BreakerBackendClosedError['code']>().toEqualTypeOf<'ERR_PALISADE_BREAKER_BACKEND_CLOSED'>();
    type Thrown =
      | BreakerOpenError
      | BreakerHalfOpenError
      | BreakerIsolatedError
      | ProbeTimeoutError
      | BreakerStoreConflictError
      | BreakerBackendClosedError;
    expectTypeOf<Thrown['code']>().toEqualTypeOf<BreakerErrorCode>();
  });
});
