import type { CircuitBreaker } from '@palisade/breaker';
import type { Event } from '@palisade/core';
import { bulkhead, type IPolicy, type ISuccessEvent, wrap } from 'cockatiel';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AttemptTimeoutError,
  type EmptyEndpointSetError,
  type Endpoint,
  type EndpointRemovedError,
  type EndpointStats,
  type NoHealthyEndpointError,
  RetryBudget,
  type RetryBudgetExhaustedError,
  type RetryLimiter,
  type RouteContext,
  Router,
  type RouterClosedError,
  type RouterErrorCode,
  TokenRetryThrottle,
} from './index.js';

describe('types', () => {
  // Only compiled, never run: the calls would go nowhere.
  const typeOnly = (_check: () => void): void => {};

  it('execute keeps the function’s result type and hands it a typed endpoint', () =>
    typeOnly(() => {
      const router = new Router<{ baseUrl: string }>({ endpoints: [{ id: 'a', data: { baseUrl: 'https://a' } }] });
      expectTypeOf(router.execute(async (endpoint) => endpoint.data.baseUrl.length)).toEqualTypeOf<Promise<number>>();
      expectTypeOf(
        router.execute((endpoint, signal, attempt) => {
          expectTypeOf(endpoint).toEqualTypeOf<Endpoint<{ baseUrl: string }>>();
          expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
          expectTypeOf(attempt).toEqualTypeOf<number>();
          return 'sync';
        }),
      ).toEqualTypeOf<Promise<string>>();
      expectTypeOf(router.endpoints).toEqualTypeOf<readonly Endpoint<{ baseUrl: string }>[]>();
      expectTypeOf(router.endpointStats('a')).toEqualTypeOf<EndpointStats | undefined>();
      expectTypeOf(router.breaker('a')).toEqualTypeOf<CircuitBreaker | undefined>();
      expectTypeOf(router.onSuccess).toEqualTypeOf<Event<ISuccessEvent>>();
    }));

  it('asPolicy() is a cockatiel IPolicy that composes with wrap()', () =>
    typeOnly(() => {
      const router = new Router<string>();
      const policy = router.asPolicy();
      expectTypeOf(policy).toExtend<IPolicy<RouteContext<string>, never>>();
      const wrapped = wrap(bulkhead(10), policy);
      expectTypeOf(wrapped.execute(({ endpoint }) => endpoint.data.toUpperCase())).toEqualTypeOf<Promise<string>>();
    }));

  it('budgets are RetryLimiters', () => {
    expectTypeOf(new RetryBudget()).toExtend<RetryLimiter>();
    expectTypeOf(new TokenRetryThrottle()).toExtend<RetryLimiter>();
  });

  it('RouterErrorCode is the union of the router’s own errors’ codes, each typed as its literal', () => {
    type Codes = (
      | EmptyEndpointSetError
      | NoHealthyEndpointError
      | RetryBudgetExhaustedError
      | AttemptTimeoutError
      | EndpointRemovedError
      | RouterClosedError
    )['code'];
    expectTypeOf<Codes>().toEqualTypeOf<RouterErrorCode>();
    expectTypeOf<RouterClosedError['code']>().toEqualTypeOf<'ERR_PALISADE_ROUTER_CLOSED'>();
  });

  it('a router is AsyncDisposable, and close() returns a promise', () =>
    typeOnly(() => {
      const router = new Router();
      expectTypeOf(router.close()).toEqualTypeOf<Promise<void>>();
      expectTypeOf(router[Symbol.asyncDispose]()).toEqualTypeOf<Promise<void>>();
    }));
});
