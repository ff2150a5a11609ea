import type { CircuitBreaker } from '@palisade/breaker';
import { type Closable, type Event, InvalidArgumentError, isAbortSignal } from '@palisade/core';
import type { IFailureEvent, ISuccessEvent } from 'cockatiel';
import type { AttemptFunction } from './attempt.js';
import { Call } from './call.js';
import { createBalancer } from './create-balancer.js';
import { type Endpoint, type EndpointInit, readEndpointInit } from './endpoint.js';
import { EndpointRemovedError, RouterClosedError } from './errors.js';
import type {
  AttemptEvent,
  AttemptSettledEvent,
  BudgetExhaustedEvent,
  EjectionBlockedEvent,
  EjectionEvent,
  EndpointEvent,
  HealthChangeEvent,
  HedgeEvent,
  PanicEvent,
  RetryEvent,
} from './events.js';
import { readExecuteOptions } from './execute-options.js';
import {
  type BalancerName,
  balancerNames,
  type ExecuteOptions,
  type RemoveOptions,
  type RouterOptions,
} from './options.js';
import { readRouterOptions } from './read-options.js';
import type { ResolvedRouterOptions } from './resolved-options.js';
import { RouterCore } from './router-core.js';
import { RouterPolicy } from './router-policy.js';
import type { EndpointStats, RouterStats } from './stats.js';
import { rejectUnknownKeys } from './unknown-keys.js';

const REMOVE_OPTION_KEYS = Object.keys({ abortInFlight: true } satisfies Record<keyof RemoveOptions, true>);

// One executor for every call's promise instead of a closure per call: it runs synchronously, so the settlers
// it stores are read back at once.
let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;
const captureSettlers = (resolve: (value: never) => void, reject: (error: unknown) => void): void => {
  capturedResolve = resolve;
  capturedReject = reject;
};

/**
 * Retry and failover routing across a set of endpoints, for any
 * `(endpoint, signal) => result`, with the behaviour of Envoy's and
 * Finagle's clients: P2C peak-EWMA balancing, outlier ejection by
 * per-endpoint circuit breakers, a panic threshold, priority tiers, active
 * health checks, retries on another endpoint under a retry budget, hedging,
 * and a deadline that every call meets.
 *
 * @typeParam D what each endpoint carries for your function (`data`): a base URL, a client, a simulated node.
 */
export class Router<D = unknown> implements Closable {
  readonly #core: RouterCore;
  #policy: RouterPolicy<D> | undefined;

  constructor(options?: RouterOptions<D>) {
    this.#core = new RouterCore(readRouterOptions(options) as ResolvedRouterOptions<unknown>);
  }

  /**
   * Runs `fn` on an endpoint the router picks, and again on others as
   * needed. `fn` receives the endpoint, an `AbortSignal` for this attempt (it
   * aborts on the attempt's timeout, the call's deadline, the caller's
   * cancellation, or when another attempt wins), and the attempt's number.
   *
   * Resolves with the first successful result. Rejects with `fn`'s error when
   * it is not a failure by `handle`, not retryable, or the last one; with
   * `CallDeadlineExceededError` when the deadline passes first (even if `fn`
   * never settles or ignores its signal); with `RetryBudgetExhaustedError`,
   * `NoHealthyEndpointError` or `EmptyEndpointSetError` when the router cannot
   * try again; or with the cancellation error when the caller's signal aborts.
   * A result that `handle` selects is returned when no retry does better.
   *
   * @param options an `AbortSignal`, or per-call options.
   */
  execute<T>(fn: AttemptFunction<D, T>, options?: AbortSignal | ExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError('fn', 'a function (endpoint, signal, attempt) => result', fn);
    }
    const core = this.#core;
    let settings = core.defaults;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      if (isAbortSignal(options)) {
        signal = options;
      } else {
        settings = readExecuteOptions(options, settings);
        signal = options.signal;
        if (settings.hedge?.percentile !== undefined) core.hedgeDelay(settings.hedge.percentile);
      }
    }
    if (core.closed) return Promise.reject(new RouterClosedError());
    const now = core.clock.now();
    const call = new Call(core, fn as AttemptFunction<unknown, unknown>, settings, signal, now);
    const promise = new Promise<T>(captureSettlers);
    call.resolve = capturedResolve as (value: unknown) => void;
    call.reject = capturedReject as (error: unknown) => void;
    core.callStarted();
    call.begin(now);
    return promise;
  }

  /** Adds an endpoint; it takes calls at once. Throws `InvalidArgumentError` for a bad description or an id in use. */
  add(endpoint: EndpointInit<D>): Endpoint<D> {
    const resolved = readEndpointInit<D>(endpoint, 'endpoint', 'argument');
    if (this.#core.endpoint(resolved.id) !== undefined) {
      throw new InvalidArgumentError('endpoint.id', 'an id no other endpoint of this router has', resolved.id);
    }
    return this.#core.add(resolved).endpoint as Endpoint<D>;
  }

  /**
   * Removes an endpoint: no new attempt goes to it. Attempts in flight finish
   * (and failures among them fail over), or with `abortInFlight` are aborted
   * and failed over at once. Returns false if no endpoint has that id.
   */
  remove(id: string, options?: RemoveOptions): boolean {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'an endpoint id (a string)', id);
    const abortInFlight = readRemoveOptions(options);
    return this.#core.remove(id, abortInFlight, () => new EndpointRemovedError(id));
  }

  /** The endpoints, in the order they were added. */
  get endpoints(): readonly Endpoint<D>[] {
    return this.#core.endpoints.map((state) => state.endpoint as Endpoint<D>);
  }

  /** The endpoint with this id, if the router has it. */
  endpoint(id: string): Endpoint<D> | undefined {
    return this.#core.endpoint(id)?.endpoint as Endpoint<D> | undefined;
  }

  /**
   * The circuit breaker that watches an endpoint for outlier detection, to
   * read, subscribe to, or drive by hand: `isolate()` takes the endpoint out
   * of rotation until released, `reset()` returns it. Undefined with outlier
   * detection off.
   */
  breaker(id: string): CircuitBreaker | undefined {
    return this.#core.endpoint(id)?.breaker;
  }

  /** The balancer in use. */
  get balancer(): BalancerName {
    return this.#core.balancer.name;
  }

  /** Switches the balancer; calls from now on use it. Throws `InvalidArgumentError` for an unknown name. */
  setBalancer(balancer: BalancerName): void {
    if (!balancerNames.includes(balancer)) {
      throw new InvalidArgumentError(
        'balancer',
        `one of ${balancerNames.map((name) => JSON.stringify(name)).join(', ')}`,
        balancer,
      );
    }
    this.#core.balancer = createBalancer(balancer);
  }

  /** Counters since creation, tiers, and every endpoint's stats. O(endpoints). */
  stats(): RouterStats {
    return this.#core.stats();
  }

  /** One endpoint's stats, or undefined. O(1). */
  endpointStats(id: string): EndpointStats | undefined {
    const endpoint = this.#core.endpoint(id);
    return endpoint === undefined ? undefined : this.#core.endpointStats(endpoint, this.#core.clock.now());
  }

  /**
   * The router as a cockatiel `IPolicy`, for `wrap()`: its `execute(fn,
   * signal)` passes `fn` cockatiel's context, `{ signal, endpoint, attempt }`.
   */
  asPolicy(): RouterPolicy<D> {
    this.#policy ??= new RouterPolicy(this);
    return this.#policy;
  }

  /**
   * Shuts the router down: from now on `execute` rejects with
   * `RouterClosedError`, and health checks stop at once. Calls in flight
   * finish as they would have (retries and hedges included), each by its
   * deadline at the latest; the promise resolves once they all have settled
   * and the router holds no timer. Idempotent: every call returns the same
   * promise.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** `close()`, for `await using router = new Router(…)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- events (cockatiel's idiom: each returns a disposable) ---------------------

  /** A call succeeded, with its duration, as cockatiel policies report it. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.#core.onCallEvent('success') as never;
  }

  /** A call failed (`handled: false` for a caller's cancellation or an error that is not a failure). */
  get onFailure(): Event<IFailureEvent> {
    return this.#core.onCallEvent('failure') as never;
  }

  /** An attempt started. */
  get onAttempt(): Event<AttemptEvent<D>> {
    return this.#core.onCallEvent('attempt') as never;
  }

  /** An attempt ended. */
  get onAttemptSettled(): Event<AttemptSettledEvent<D>> {
    return this.#core.onCallEvent('attemptSettled') as never;
  }

  /** A failed call will be retried. */
  get onRetry(): Event<RetryEvent<D>> {
    return this.#core.onRetryEvent('retry') as never;
  }

  /** A hedged attempt started: the call's attempts had not answered within the hedge delay. */
  get onHedge(): Event<HedgeEvent<D>> {
    return this.#core.onRetryEvent('hedge') as never;
  }

  /** The budget refused a retry or a hedge. */
  get onBudgetExhausted(): Event<BudgetExhaustedEvent> {
    return this.#core.onRetryEvent('budgetExhausted') as never;
  }

  /** Outlier detection ejected an endpoint. */
  get onEject(): Event<EjectionEvent<D>> {
    return this.#core.onEndpointEvent('eject') as never;
  }

  /** An ejection was blocked by `maxEjectionPercent`. */
  get onEjectionBlocked(): Event<EjectionBlockedEvent<D>> {
    return this.#core.onEndpointEvent('ejectionBlocked') as never;
  }

  /** An ejected endpoint's time is up and a probe call went to it. */
  get onProbe(): Event<EndpointEvent<D>> {
    return this.#core.onEndpointEvent('probe') as never;
  }

  /** An ejected endpoint passed its probe and is back in rotation. */
  get onReturn(): Event<EndpointEvent<D>> {
    return this.#core.onEndpointEvent('return') as never;
  }

  /** Active health checks marked an endpoint unhealthy or healthy. */
  get onHealthChange(): Event<HealthChangeEvent<D>> {
    return this.#core.onEndpointEvent('healthChange') as never;
  }

  get onEndpointAdded(): Event<EndpointEvent<D>> {
    return this.#core.onEndpointEvent('added') as never;
  }

  get onEndpointRemoved(): Event<EndpointEvent<D>> {
    return this.#core.onEndpointEvent('removed') as never;
  }

  /** A priority tier entered or left panic (noticed when routing next looks at it). */
  get onPanic(): Event<PanicEvent> {
    return this.#core.onEndpointEvent('panic') as never;
  }
}

/** Whether `remove` aborts the attempts in flight. */
function readRemoveOptions(options: RemoveOptions | undefined): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object { abortInFlight? }', options);
  }
  rejectUnknownKeys(options, REMOVE_OPTION_KEYS, 'options.', 'argument');
  const { abortInFlight = false } = options;
  if (typeof abortInFlight !== 'boolean') {
    throw new InvalidArgumentError('options.abortInFlight', 'a boolean', abortInFlight);
  }
  return abortInFlight;
}
