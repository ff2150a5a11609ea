import type { BreakerPermit } from '@palisade/breaker';
import type { Clock, Random } from '@palisade/core';
import { LazyEmitters } from '@palisade/core/internal';
import type { CircuitState, FailureReason, Policy } from 'cockatiel';
import { type Balancer, type BalancerName, FAILURE_PENALTY } from './balancer.js';
import { Attempt, type Call } from './call.js';
import { DeadlineQueue } from './deadline-queue.js';
import { type Endpoint, EndpointState, ROLLING_FAILURES, ROLLING_REQUESTS } from './endpoint.js';
import {
  type AttemptKind,
  EmptyEndpointSetError,
  type EndpointUnavailability,
  NoHealthyEndpointError,
} from './errors.js';
import type { AttemptSettledEvent, RouterEvents } from './events.js';
import { HealthChecker } from './health-check.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LeastOutstandingBalancer } from './least-outstanding-balancer.js';
import { LentClock } from './lent-clock.js';
import type { ResolvedRetry, ResolvedRouterOptions } from './options.js';
import { type ResolvedOutlierDetection, watchEndpoint } from './outlier-detection.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';
import { RendezvousBalancer } from './rendezvous-balancer.js';
import type { RetryLimiter } from './retry-limiter.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { RoutingTable, type Tier } from './routing-table.js';
import type { EndpointStats, EndpointStatus, RouterStats } from './stats.js';

/** Hedging by percentile waits for this many successful attempts before it trusts the histogram. */
const MIN_LATENCY_SAMPLES = 20;

export function createBalancer(name: BalancerName): Balancer {
  switch (name) {
    case 'peak-ewma':
      return new PeakEwmaBalancer();
    case 'least-outstanding':
      return new LeastOutstandingBalancer();
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'sticky':
      return new RendezvousBalancer();
  }
}

/**
 * The router's state and routing decisions. `Router` is its public face;
 * `Call` and `Attempt` drive individual calls through it.
 */
export class RouterCore {
  readonly clock: Clock;
  /** What the breakers read: the router lends them the time it has just read. */
  readonly breakerClock: LentClock;
  readonly random: Random;
  readonly handle: Policy;
  readonly retryHandle: Policy;
  readonly retry: ResolvedRetry | undefined;
  readonly limiter: RetryLimiter | undefined;
  readonly timeout: number;
  readonly attemptTimeout: number;
  readonly hedge: ResolvedRouterOptions<unknown>['hedge'];
  readonly outlierDetection: ResolvedOutlierDetection | undefined;
  readonly panicThreshold: number;
  readonly overprovisioningFactor: number;
  readonly ewmaDecay: number;
  readonly statsWindow: number;
  readonly deadlines: DeadlineQueue;
  readonly healthChecker: HealthChecker | undefined;
  balancer: Balancer;
  latencies: LatencyHistogram | undefined;
  disposed = false;

  readonly #byId = new Map<string, EndpointState>();
  #list: EndpointState[] = [];
  #table: RoutingTable | undefined;
  #panicking: ReadonlySet<number> = new Set();
  /** Removed endpoints that still have attempts in flight, so their outcomes stay visible in stats. */
  readonly #draining = new Set<EndpointState>();
  readonly events = new LazyEmitters<RouterEvents>();

  calls = 0;
  successes = 0;
  failures = 0;
  cancelled = 0;
  inFlightCalls = 0;
  attempts = 0;
  retries = 0;
  hedges = 0;
  hedgeWins = 0;
  budgetRefusals = 0;
  deadlineExceeded = 0;
  noHealthyEndpoint = 0;

  constructor(options: ResolvedRouterOptions<unknown>) {
    this.clock = options.clock;
    this.breakerClock = new LentClock(options.clock);
    this.random = options.random;
    this.handle = options.handle;
    this.retry = options.retry;
    this.retryHandle = options.retry?.handle ?? options.handle;
    this.limiter = options.limiter;
    this.timeout = options.timeout;
    this.attemptTimeout = options.attemptTimeout;
    this.hedge = options.hedge;
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

  get size(): number {
    return this.#list.length;
  }

  get endpoints(): readonly EndpointState[] {
    return this.#list;
  }

  endpoint(id: string): EndpointState | undefined {
    return this.#byId.get(id);
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
    this.healthChecker?.start(state);
    this.#invalidate();
    if (this.events.heard('added')) this.events.emit('added', { endpoint });
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
    if (this.events.heard('removed')) this.events.emit('removed', { endpoint: state.endpoint });
    if (state.inFlightHead !== undefined) {
      if (abortInFlight) {
        const now = this.clock.now();
        for (let attempt = state.inFlightHead; attempt !== undefined; attempt = state.inFlightHead) {
          const error = reason();
          attempt.abandon(error, 'abandoned', false, now);
          attempt.call.attemptFailed(attempt, { error }, true, now);
        }
      } else {
        this.#draining.add(state);
      }
    }
    return true;
  }

  linkInFlight(attempt: Attempt): void {
    const endpoint = attempt.endpoint;
    const head = endpoint.inFlightHead;
    attempt.nextInFlight = head;
    if (head !== undefined) head.previousInFlight = attempt;
    endpoint.inFlightHead = attempt;
  }

  unlinkInFlight(attempt: Attempt): void {
    const endpoint = attempt.endpoint;
    const { previousInFlight: previous, nextInFlight: next } = attempt;
    if (previous === undefined) endpoint.inFlightHead = next;
    else previous.nextInFlight = next;
    if (next !== undefined) next.previousInFlight = previous;
    attempt.previousInFlight = undefined;
    attempt.nextInFlight = undefined;
    if (endpoint.removed && endpoint.inFlightHead === undefined) this.#draining.delete(endpoint);
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
    const events = this.events;
    if (!events.heard('panic')) return;
    for (const priority of panicking) if (!before.has(priority)) events.emit('panic', { priority, panic: true });
    for (const priority of before) if (!panicking.has(priority)) events.emit('panic', { priority, panic: false });
  }

  /**
   * Picks the endpoint for an attempt and takes its breaker's permit. Returns
   * the attempt, ready to run, or the error that says why none could be found.
   */
  route(call: Call, kind: AttemptKind, now: number): Attempt | Error {
    if (this.#list.length === 0) return new EmptyEndpointSetError();
    const table = this.table(now);
    const tier = table.pickTier(this.random);
    if (tier === undefined) return new EmptyEndpointSetError();
    let candidates = tier.panic ? tier.all : tier.routable;
    if (call.started > 0) candidates = this.#untried(call, candidates, table, kind);
    // Each turn drops an endpoint whose breaker refused, so the loop ends.
    while (candidates.length > 0) {
      const endpoint = this.balancer.pick(candidates, now, this.random, call.keyHash) as EndpointState;
      const breaker = endpoint.breaker;
      let permit: ReturnType<NonNullable<typeof breaker>['tryAcquire']> | undefined;
      if (breaker !== undefined) {
        this.breakerClock.lend(now);
        permit = breaker.tryAcquire();
        this.breakerClock.end();
      }
      if (permit === undefined || permit.admitted) {
        if (permit?.probe === true) endpoint.probeInFlight = true;
        return new Attempt(call, endpoint, permit as BreakerPermit | undefined, call.started + 1, kind, false);
      }
      if (tier.panic && tier.all.includes(endpoint)) {
        return new Attempt(call, endpoint, undefined, call.started + 1, kind, true);
      }
      // The breaker moved since the table was built (a probe slot taken): skip it.
      candidates = candidates.filter((each) => each !== endpoint);
    }
    return new NoHealthyEndpointError(this.#unavailability(call, now));
  }

  /**
   * A retry or hedge goes to an endpoint this call has not tried, from its
   * tier if possible, then from any tier. A retry with nowhere new to go
   * goes back to one already tried; a hedge does not go at all.
   */
  #untried(
    call: Call,
    candidates: readonly EndpointState[],
    table: RoutingTable,
    kind: AttemptKind,
  ): readonly EndpointState[] {
    const fresh = candidates.filter((each) => !call.tried(each));
    if (fresh.length > 0) return fresh;
    const elsewhere: EndpointState[] = [];
    for (const tier of table.tiers) {
      for (const each of tier.panic ? tier.all : tier.routable) {
        if (!call.tried(each)) elsewhere.push(each);
      }
    }
    if (elsewhere.length > 0 || kind === 'hedge') return elsewhere;
    return candidates;
  }

  #unavailability(call: Call, now: number): EndpointUnavailability[] {
    return this.#list.map((endpoint) => {
      const id = endpoint.endpoint.id;
      if (!endpoint.healthy) return { endpoint: id, reason: 'unhealthy', retryAfter: 0 };
      if (endpoint.outlier === 'ejected') {
        return { endpoint: id, reason: 'ejected', retryAfter: Math.max(0, endpoint.ejectedUntil - now) };
      }
      if (endpoint.outlier === 'probing') return { endpoint: id, reason: 'probing', retryAfter: 0 };
      return { endpoint: id, reason: call.tried(endpoint) ? 'tried' : 'probing', retryAfter: 0 };
    });
  }

  hedgeDelay(percentile: number): number {
    this.latencies ??= new LatencyHistogram();
    if (this.latencies.samples < MIN_LATENCY_SAMPLES) return Number.NaN;
    return this.latencies.quantile(percentile);
  }

  // --- outlier detection and health ------------------------------------------------

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
    if (this.events.heard('ejectionBlocked'))
      this.events.emit('ejectionBlocked', { endpoint: endpoint.endpoint, ejected });
    return false;
  }

  #outlierChanged(endpoint: EndpointState, previous: 'active' | 'ejected' | 'probing'): void {
    this.#invalidate();
    const events = this.events;
    switch (endpoint.outlier) {
      case 'ejected': {
        const until = endpoint.ejectedUntil;
        this.#markDown(endpoint, this.clock.now());
        if (events.heard('eject'))
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
        if (events.heard('probe')) events.emit('probe', { endpoint: endpoint.endpoint });
        break;
      case 'active':
        if (events.heard('return')) events.emit('return', { endpoint: endpoint.endpoint });
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
    if (this.events.heard('healthChange'))
      this.events.emit('healthChange', { endpoint: endpoint.endpoint, healthy: endpoint.healthy });
  }

  // --- events ----------------------------------------------------------------------

  emitAttempt(attempt: Attempt): void {
    if (this.events.heard('attempt'))
      this.events.emit('attempt', {
        endpoint: attempt.endpoint.endpoint,
        attempt: attempt.number,
        kind: attempt.kind,
        probe: attempt.permit?.probe === true,
        panic: attempt.panic,
      });
  }

  emitAttemptSettled(attempt: Attempt, outcome: AttemptSettledEvent['outcome']): void {
    if (this.events.heard('attemptSettled'))
      this.events.emit('attemptSettled', {
        endpoint: attempt.endpoint.endpoint,
        attempt: attempt.number,
        kind: attempt.kind,
        outcome,
        duration: attempt.duration,
        ...(outcome === 'success' || attempt.error === undefined ? {} : { error: attempt.error }),
      });
  }

  emitRetry(failed: Attempt, attempt: number, delay: number, reason: FailureReason<unknown>): void {
    if (this.events.heard('retry'))
      this.events.emit('retry', { endpoint: failed.endpoint.endpoint, attempt, delay, reason });
  }

  emitBudgetExhausted(kind: 'retry' | 'hedge'): void {
    if (this.events.heard('budgetExhausted')) this.events.emit('budgetExhausted', { kind });
  }

  emitCallSuccess(duration: number): void {
    if (this.events.heard('success')) this.events.emit('success', { duration });
  }

  emitCallFailure(duration: number, reason: FailureReason<unknown>, handled: boolean): void {
    if (this.events.heard('failure')) this.events.emit('failure', { duration, handled, reason });
  }

  // --- stats -----------------------------------------------------------------------

  stats(): RouterStats {
    const now = this.clock.now();
    const table = this.table(now);
    const endpoints = [...this.#list, ...this.#draining];
    return {
      calls: this.calls,
      successes: this.successes,
      failures: this.failures,
      cancelled: this.cancelled,
      inFlight: this.inFlightCalls,
      attempts: this.attempts,
      retries: this.retries,
      hedges: this.hedges,
      hedgeWins: this.hedgeWins,
      budgetRefusals: this.budgetRefusals,
      deadlineExceeded: this.deadlineExceeded,
      noHealthyEndpoint: this.noHealthyEndpoint,
      retryLimiter: this.limiter?.stats(now),
      tiers: table.tiers.map((tier: Tier) => ({
        priority: tier.priority,
        endpoints: tier.all.length,
        healthy: tier.healthy,
        load: tier.load,
        panic: tier.panic,
      })),
      endpoints: endpoints.map((endpoint) => this.endpointStats(endpoint, now)),
    };
  }

  endpointStats(endpoint: EndpointState, now: number): EndpointStats {
    const requests = endpoint.rolling.sum(now, ROLLING_REQUESTS);
    const failures = endpoint.rolling.sum(now, ROLLING_FAILURES);
    const breaker = endpoint.breaker;
    return {
      id: endpoint.endpoint.id,
      zone: endpoint.endpoint.zone,
      priority: endpoint.endpoint.priority,
      weight: endpoint.endpoint.weight,
      status: statusOf(endpoint),
      breaker: breaker?.state as CircuitState | undefined,
      outstanding: endpoint.outstanding,
      attempts: endpoint.attempts,
      successes: endpoint.successes,
      failures: endpoint.failures,
      requestRate: requests / (this.statsWindow / 1_000),
      errorRate: requests === 0 ? 0 : Math.min(1, failures / requests),
      latency: endpoint.latency.cost(now),
      lastLatency: endpoint.lastLatency,
      ejections: endpoint.ejections,
      ejectionLevel: endpoint.ejectionLevel,
      ejectedFor: endpoint.outlier === 'ejected' ? Math.max(0, endpoint.ejectedUntil - now) : 0,
    };
  }

  dispose(): void {
    this.disposed = true;
    this.healthChecker?.dispose();
  }
}

function statusOf(endpoint: EndpointState): EndpointStatus {
  if (endpoint.removed) return 'removed';
  if (!endpoint.healthy) return 'unhealthy';
  if (endpoint.outlier === 'ejected') return 'ejected';
  if (endpoint.outlier === 'probing') return 'probing';
  return 'healthy';
}
