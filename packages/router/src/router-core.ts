import type { BreakerPermit, CircuitBreaker } from '@palisade/breaker';
import type { Clock, Event, Random } from '@palisade/core';
import { LazyEmitters } from '@palisade/core/internal';
import type { Policy } from 'cockatiel';
import { type Balancer, FAILURE_PENALTY } from './balancer.js';
import { type CallHost, type CallSettings, callSettings, type RouteRequest } from './call-host.js';
import { createBalancer } from './create-balancer.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { Endpoint } from './endpoint.js';
import { EndpointState } from './endpoint-state.js';
import { readEndpointStats } from './endpoint-stats.js';
import {
  type AttemptKind,
  EmptyEndpointSetError,
  type EndpointUnavailability,
  NoHealthyEndpointError,
} from './errors.js';
import type { RouterCallEvents, RouterEndpointEvents, RouterRetryEvents } from './events.js';
import { HealthChecker } from './health-check.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LentClock } from './lent-clock.js';
import { watchEndpoint } from './outlier-detection.js';
import type { ResolvedOutlierDetection, ResolvedRetry, ResolvedRouterOptions } from './resolved-options.js';
import type { RetryLimiter } from './retry-limiter.js';
import { RouterCounters } from './router-counters.js';
import { RoutingTable } from './routing-table.js';
import type { EndpointStats, RouterStats } from './stats.js';

/** Hedging by percentile waits for this many successful attempts before it trusts the histogram. */
const MIN_LATENCY_SAMPLES = 20;

/**
 * The router's state and routing decisions: the endpoint set, the routing
 * table, and what outlier detection and health checks do to them. It is the
 * `CallHost` that calls run against; `Router` is its public face.
 */
export class RouterCore extends RouterCounters implements CallHost {
  readonly clock: Clock;
  readonly breakerClock: LentClock;
  readonly random: Random;
  readonly handle: Policy;
  readonly retryHandle: Policy;
  readonly retry: ResolvedRetry | undefined;
  readonly limiter: RetryLimiter | undefined;
  readonly deadlines: DeadlineQueue;
  callEvents: LazyEmitters<RouterCallEvents> | undefined;
  /** Made on the first subscription too. */
  retryEvents: LazyEmitters<RouterRetryEvents> | undefined;
  /** Made on the first subscription too. */
  endpointEvents: LazyEmitters<RouterEndpointEvents> | undefined;
  latencies: LatencyHistogram | undefined;
  /** What a call without options of its own asks for. */
  readonly defaults: CallSettings;
  readonly outlierDetection: ResolvedOutlierDetection | undefined;
  readonly panicThreshold: number;
  readonly overprovisioningFactor: number;
  readonly ewmaDecay: number;
  readonly statsWindow: number;
  readonly healthChecker: HealthChecker | undefined;
  balancer: Balancer;
  /** Set by `close()`: the router takes no more calls. */
  closed = false;
  #closing: Promise<void> | undefined;

  readonly #byId = new Map<string, EndpointState>();
  #list: EndpointState[] = [];
  #table: RoutingTable | undefined;
  #panicking: ReadonlySet<number> = new Set();
  /** Removed endpoints that may still have attempts in flight, so their outcomes stay visible in stats. */
  readonly #draining = new Set<EndpointState>();

  constructor(options: ResolvedRouterOptions<unknown>) {
    super();
    this.clock = options.clock;
    this.breakerClock = new LentClock(options.clock);
    this.random = options.random;
    this.handle = options.handle;
    this.retry = options.retry;
    this.retryHandle = options.retry?.handle ?? options.handle;
    this.limiter = options.limiter;
    this.defaults = callSettings(
      options.timeout,
      options.attemptTimeout,
      undefined,
      options.hedge,
      options.retry?.maxAttempts ?? 1,
    );
    this.outlierDetection = options.outlierDetection;
    this.panicThreshold = options.panicThreshold;
    this.overprovisioningFactor = options.overprovisioningFactor;
    this.ewmaDecay = options.ewmaDecay;
    this.statsWindow = options.statsWindow;
    this.balancer = createBalancer(options.balancer);
    this.deadlines = new DeadlineQueue(options.clock);
    if (options.hedge?.percentile !== undefined) this.latencies = new LatencyHistogram();
    this.healthChecker =
      options.healthCheck === undefined
        ? undefined
        : new HealthChecker(options.healthCheck, options.clock, options.random, (endpoint) =>
            this.#healthChanged(endpoint),
          );
    for (const endpoint of options.endpoints) this.add(endpoint);
  }

  get endpoints(): readonly EndpointState[] {
    return this.#list;
  }

  endpoint(id: string): EndpointState | undefined {
    return this.#byId.get(id);
  }

  onCallEvent<K extends keyof RouterCallEvents>(name: K): Event<RouterCallEvents[K]> {
    this.callEvents ??= new LazyEmitters<RouterCallEvents>();
    return this.callEvents.on(name);
  }

  onRetryEvent<K extends keyof RouterRetryEvents>(name: K): Event<RouterRetryEvents[K]> {
    this.retryEvents ??= new LazyEmitters<RouterRetryEvents>();
    return this.retryEvents.on(name);
  }

  onEndpointEvent<K extends keyof RouterEndpointEvents>(name: K): Event<RouterEndpointEvents[K]> {
    this.endpointEvents ??= new LazyEmitters<RouterEndpointEvents>();
    return this.endpointEvents.on(name);
  }

  // --- the endpoint set ----------------------------------------------------------

  add(endpoint: Endpoint<unknown>): EndpointState {
    const now = this.clock.now();
    const state = new EndpointState(endpoint, now, this.ewmaDecay, this.statsWindow);
    const outlier = this.outlierDetection;
    if (outlier !== undefined) {
      state.breaker = watchEndpoint(state, outlier, this.breakerClock, {
        tripped: (tripped) => this.#mayEject(tripped),
        changed: (changed, previous) => this.#outlierChanged(changed, previous),
      });
    }
    this.#byId.set(endpoint.id, state);
    this.#list = [...this.#list, state];
    if (!this.closed) this.healthChecker?.start(state);
    this.#invalidate();
    this.#forgetDrained();
    if (this.endpointEvents?.heard('added')) this.endpointEvents.emit('added', { endpoint });
    return state;
  }

  remove(id: string, abortInFlight: boolean, reason: () => Error): boolean {
    const state = this.#byId.get(id);
    if (state === undefined) return false;
    state.removed = true;
    this.#byId.delete(id);
    this.#list = this.#list.filter((each) => each !== state);
    this.healthChecker?.stop(state);
    this.#invalidate();
    this.#forgetDrained();
    if (this.endpointEvents?.heard('removed')) this.endpointEvents.emit('removed', { endpoint: state.endpoint });
    if (state.inFlightHead !== undefined) {
      if (abortInFlight) {
        const now = this.clock.now();
        for (let attempt = state.inFlightHead; attempt !== undefined; attempt = state.inFlightHead) {
          attempt.endpointRemoved(reason(), now);
        }
      } else {
        this.#draining.add(state);
      }
    }
    return true;
  }

  /** Drops the removed endpoints whose last attempt has ended. */
  #forgetDrained(): void {
    for (const endpoint of this.#draining) if (endpoint.inFlightHead === undefined) this.#draining.delete(endpoint);
  }

  // --- routing -------------------------------------------------------------------

  #invalidate(): void {
    this.#table = undefined;
  }

  table(now: number): RoutingTable {
    let table = this.#table;
    if (table === undefined || now >= table.validUntil) {
      table = new RoutingTable(this.#list, now, this.overprovisioningFactor, this.panicThreshold / 100);
      this.#table = table;
      this.#announcePanic(table);
    }
    return table;
  }

  #announcePanic(table: RoutingTable): void {
    const panicking = new Set(table.tiers.filter((tier) => tier.panic).map((tier) => tier.priority));
    const before = this.#panicking;
    this.#panicking = panicking;
    const events = this.endpointEvents;
    if (events === undefined || !events.heard('panic')) return;
    for (const priority of panicking) if (!before.has(priority)) events.emit('panic', { priority, panic: true });
    for (const priority of before) if (!panicking.has(priority)) events.emit('panic', { priority, panic: false });
  }

  route<A>(request: RouteRequest<A>, kind: AttemptKind, now: number): A | Error {
    if (this.#list.length === 0) return new EmptyEndpointSetError();
    const table = this.table(now);
    const tier = table.pickTier(this.random);
    if (tier === undefined) return new EmptyEndpointSetError();
    let candidates = tier.panic ? tier.all : tier.routable;
    if (request.started > 0) candidates = this.#untried(request, candidates, table, kind);
    // Each turn drops an endpoint whose breaker refused, so the loop ends.
    while (candidates.length > 0) {
      const endpoint = this.balancer.pick(candidates, now, this.random, request.settings.keyHash) as EndpointState;
      const breaker = endpoint.breaker;
      let permit: ReturnType<CircuitBreaker['tryAcquire']> | undefined;
      if (breaker !== undefined) {
        this.breakerClock.lend(now);
        permit = breaker.tryAcquire();
        this.breakerClock.end();
      }
      if (permit === undefined || permit.admitted) {
        if (permit?.probe === true) endpoint.probeInFlight = true;
        return request.attemptOn(endpoint, permit as BreakerPermit | undefined, kind, false);
      }
      if (tier.panic && tier.all.includes(endpoint)) return request.attemptOn(endpoint, undefined, kind, true);
      // The breaker moved since the table was built (a probe slot taken): skip it.
      candidates = candidates.filter((each) => each !== endpoint);
    }
    return new NoHealthyEndpointError(this.#unavailability(request, now));
  }

  /**
   * A retry or hedge goes to an endpoint this call has not tried, from its
   * tier if possible, then from any tier. A retry with nowhere new to go
   * goes back to one already tried; a hedge does not go at all.
   */
  #untried(
    request: RouteRequest<unknown>,
    candidates: readonly EndpointState[],
    table: RoutingTable,
    kind: AttemptKind,
  ): readonly EndpointState[] {
    const fresh = candidates.filter((each) => !request.tried(each));
    if (fresh.length > 0) return fresh;
    const elsewhere: EndpointState[] = [];
    for (const tier of table.tiers) {
      for (const each of tier.panic ? tier.all : tier.routable) {
        if (!request.tried(each)) elsewhere.push(each);
      }
    }
    if (elsewhere.length > 0 || kind === 'hedge') return elsewhere;
    return candidates;
  }

  #unavailability(request: RouteRequest<unknown>, now: number): EndpointUnavailability[] {
    return this.#list.map((endpoint) => {
      const id = endpoint.endpoint.id;
      if (!endpoint.healthy) return { endpoint: id, reason: 'unhealthy', retryAfter: 0 };
      if (endpoint.outlier === 'ejected') {
        return { endpoint: id, reason: 'ejected', retryAfter: Math.max(0, endpoint.ejectedUntil - now) };
      }
      if (endpoint.outlier === 'probing') return { endpoint: id, reason: 'probing', retryAfter: 0 };
      return { endpoint: id, reason: request.tried(endpoint) ? 'tried' : 'probing', retryAfter: 0 };
    });
  }

  hedgeDelay(percentile: number): number {
    this.latencies ??= new LatencyHistogram();
    if (this.latencies.samples < MIN_LATENCY_SAMPLES) return Number.NaN;
    return this.latencies.quantile(percentile);
  }

  /** Envoy's rule: an ejection is allowed when none is in force, or when it keeps the ejected share within the limit. */
  #mayEject(endpoint: EndpointState): boolean {
    // An ejection whose time is up counts no more, though no probe has gone yet: Envoy un-ejects on time.
    const options = this.outlierDetection as ResolvedOutlierDetection;
    let ejected = 0;
    const now = this.clock.now();
    for (const each of this.#list) {
      if (each === endpoint) continue;
      if (each.outlier === 'probing' || (each.outlier === 'ejected' && each.ejectedUntil > now)) ejected++;
    }
    if (ejected === 0 || (100 * (ejected + 1)) / this.#list.length <= options.maxEjectionPercent) return true;
    this.#markDown(endpoint, now);
    if (this.endpointEvents?.heard('ejectionBlocked'))
      this.endpointEvents.emit('ejectionBlocked', { endpoint: endpoint.endpoint, ejected });
    return false;
  }

  #outlierChanged(endpoint: EndpointState, previous: 'active' | 'ejected' | 'probing'): void {
    this.#invalidate();
    const events = this.endpointEvents;
    switch (endpoint.outlier) {
      case 'ejected': {
        const until = endpoint.ejectedUntil;
        this.#markDown(endpoint, this.clock.now());
        if (events?.heard('eject'))
          events.emit('eject', {
            endpoint: endpoint.endpoint,
            duration: until - this.clock.now(),
            until,
            level: endpoint.ejectionLevel,
            afterProbe: previous === 'probing',
          });
        break;
      }
      case 'probing':
        if (events?.heard('probe')) events.emit('probe', { endpoint: endpoint.endpoint });
        break;
      case 'active':
        if (events?.heard('return')) events.emit('return', { endpoint: endpoint.endpoint });
        break;
    }
  }

  /** An attempt failed: if the endpoint is out of rotation, a panicking tier's balancer passes it over. */
  markFailed(endpoint: EndpointState, now: number): void {
    if (endpoint.outlier !== 'active') this.#markDown(endpoint, now);
  }

  #markDown(endpoint: EndpointState, now: number): void {
    const until = now + FAILURE_PENALTY;
    // An ejection that ends first leaves it due a probe, which must not be passed over.
    endpoint.downUntil =
      endpoint.outlier === 'ejected' && endpoint.ejectedUntil < until ? endpoint.ejectedUntil : until;
  }

  /** A probe reported or released: a half-open endpoint whose probe slot is free takes the next probe. */
  probeEnded(endpoint: EndpointState): void {
    endpoint.probeInFlight = false;
    this.#invalidate();
  }

  #healthChanged(endpoint: EndpointState): void {
    this.#invalidate();
    if (this.endpointEvents?.heard('healthChange'))
      this.endpointEvents.emit('healthChange', { endpoint: endpoint.endpoint, healthy: endpoint.healthy });
  }

  // --- stats -----------------------------------------------------------------------

  stats(): RouterStats {
    const now = this.clock.now();
    const table = this.table(now);
    this.#forgetDrained();
    const endpoints = [...this.#list, ...this.#draining];
    return {
      ...this.counts(),
      retryLimiter: this.limiter?.stats(now),
      tiers: table.tiers.map((tier) => ({
        priority: tier.priority,
        endpoints: tier.all.length,
        healthy: tier.healthy,
        load: tier.load,
        panic: tier.panic,
      })),
      endpoints: endpoints.map((endpoint) => readEndpointStats(endpoint, now, this.statsWindow)),
    };
  }

  endpointStats(endpoint: EndpointState, now: number): EndpointStats {
    return readEndpointStats(endpoint, now, this.statsWindow);
  }

  /**
   * Takes no more calls and stops the health checks at once; resolves when
   * the calls in flight have settled (each by its deadline at the latest)
   * and the deadline timer is released.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.closed = true;
    this.healthChecker?.dispose();
    this.#closing = new Promise<void>((resolve) =>
      this.whenIdle(() => {
        this.deadlines.clear();
        resolve();
      }),
    );
    return this.#closing;
  }
}
