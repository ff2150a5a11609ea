import type { CircuitBreaker } from '@palisade/breaker';
import type { Endpoint } from './endpoint.js';
import { hashString } from './hash.js';
import { PeakEwma } from './peak-ewma.js';
import { WindowedCounter } from './windowed-counter.js';

/** Where an endpoint stands with outlier detection. */
export type OutlierStatus = 'active' | 'ejected' | 'probing';

/**
 * An attempt in flight on an endpoint, as the endpoint's list holds it, so
 * that removing the endpoint reaches every attempt still running on it.
 */
export interface InFlightAttempt {
  previousInFlight: InFlightAttempt | undefined;
  nextInFlight: InFlightAttempt | undefined;
  /** The endpoint was removed with `abortInFlight`: the attempt is abandoned with `reason` and its call fails over. */
  endpointRemoved(reason: Error, now: number): void;
}

/**
 * Everything the router knows about one endpoint. Mutable and internal:
 * callers see `Endpoint` and `EndpointStats`.
 */
export class EndpointState {
  readonly endpoint: Endpoint<unknown>;
  readonly idHash: number;
  readonly latency: PeakEwma;
  /** Requests and failures over the stats window, for rates. */
  readonly rolling: WindowedCounter;
  breaker: CircuitBreaker | undefined;

  removed = false;
  /** False after `unhealthyThreshold` failed health checks, true again after `healthyThreshold` passes. */
  healthy = true;
  outlier: OutlierStatus = 'active';
  /** Its half-open probe is running: until it ends, no other call may probe it. */
  probeInFlight = false;
  /** Clock time at which the current ejection ends. */
  ejectedUntil = 0;
  /** Envoy's ejection multiplier: grows by one per ejection, shrinks by one per `decayInterval` spent in rotation. */
  ejectionLevel = 0;
  /** When it last returned to rotation, to decay `ejectionLevel` lazily. */
  returnedAt = 0;
  ejections = 0;

  /**
   * Until then, the balancers pass it over: outlier detection found it
   * failing, yet it is still offered. That is, it was ejected (a panicking
   * tier still offers it) and has not answered since, or its ejection was
   * blocked by `maxEjectionPercent`. For `FAILURE_PENALTY` ms, or to the end
   * of its ejection, when it is due a probe. A success clears it. A failure
   * in rotation does not set it: outlier detection needs those failures.
   */
  downUntil = 0;
  outstanding = 0;
  attempts = 0;
  successes = 0;
  failures = 0;
  lastLatency = Number.NaN;
  /** Smooth weighted round-robin's running weight (nginx's algorithm). */
  currentWeight = 0;
  /** The attempts in flight on it, as an intrusive list: O(1) to add and remove, and reachable on removal. */
  inFlightHead: InFlightAttempt | undefined;

  constructor(endpoint: Endpoint<unknown>, now: number, ewmaDecay: number, statsWindow: number) {
    this.endpoint = endpoint;
    this.idHash = hashString(endpoint.id);
    this.latency = new PeakEwma(ewmaDecay, now);
    this.rolling = new WindowedCounter(statsWindow, 10, now, 2);
  }

  /** Counts as healthy for tier health and the panic threshold. */
  get available(): boolean {
    return this.healthy && this.outlier === 'active' && !this.removed;
  }

  linkInFlight(attempt: InFlightAttempt): void {
    const head = this.inFlightHead;
    attempt.nextInFlight = head;
    if (head !== undefined) head.previousInFlight = attempt;
    this.inFlightHead = attempt;
  }

  unlinkInFlight(attempt: InFlightAttempt): void {
    const { previousInFlight: previous, nextInFlight: next } = attempt;
    if (previous === undefined) this.inFlightHead = next;
    else previous.nextInFlight = next;
    if (next !== undefined) next.previousInFlight = previous;
    attempt.previousInFlight = undefined;
    attempt.nextInFlight = undefined;
  }
}

export const ROLLING_REQUESTS = 0;
export const ROLLING_FAILURES = 1;
