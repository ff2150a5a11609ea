import type { Event } from '@palisade/core';
import type { IDefaultPolicyContext, IFailureEvent, IPolicy, ISuccessEvent } from 'cockatiel';
import type { AttemptFunction } from './attempt.js';
import type { Endpoint } from './endpoint.js';

/** What a function run through `router.asPolicy()` receives: cockatiel's context plus the endpoint. */
export interface RouteContext<D = unknown> extends IDefaultPolicyContext {
  /** The attempt's signal. */
  readonly signal: AbortSignal;
  readonly endpoint: Endpoint<D>;
  /** The attempt's number, from 1. */
  readonly attempt: number;
}

/** What a `RouterPolicy` runs calls through: a router's `execute` and its call events. */
export interface PolicyTarget<D> {
  execute<T>(fn: AttemptFunction<D, T>, signal?: AbortSignal): Promise<T>;
  readonly onSuccess: Event<ISuccessEvent>;
  readonly onFailure: Event<IFailureEvent>;
}

/**
 * A router as a cockatiel `IPolicy`, so it composes with `wrap()`: policies
 * outside it (a bulkhead, a fallback) see one call; policies inside it (a
 * cockatiel timeout, a cache) run once per attempt and see the endpoint in
 * their context.
 */
export class RouterPolicy<D = unknown> implements IPolicy<RouteContext<D>, never> {
  declare readonly _altReturn: never;
  readonly #router: PolicyTarget<D>;

  constructor(router: PolicyTarget<D>) {
    this.#router = router;
  }

  get onSuccess(): Event<ISuccessEvent> {
    return this.#router.onSuccess;
  }

  get onFailure(): Event<IFailureEvent> {
    return this.#router.onFailure;
  }

  execute<T>(fn: (context: RouteContext<D>) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return this.#router.execute(
      (endpoint, attemptSignal, attempt) => fn({ signal: attemptSignal, endpoint, attempt }),
      signal,
    );
  }
}
