import type { CircuitBreaker } from '@palisade/breaker';
import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import type { Attempt } from './call.js';
import { hashString } from './hash.js';
import { PeakEwma } from './peak-ewma.js';
import { WindowedCounter } from './windowed-counter.js';

/** An endpoint as you describe it to the router. */
export interface EndpointInit<D = unknown> {
  /** Unique within the router. */
  readonly id: string;
  /** Anything your function needs to reach the endpoint: a base URL, a client, a node of a simulation. */
  readonly data?: D;
  /**
   * Relative share of traffic: round-robin sends it `weight` times as many
   * calls, P2C divides its load by it, rendezvous hashing gives it that many
   * times the keys. > 0.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Its priority tier: 0 is the first. Traffic stays on the lowest tier with
   * enough healthy endpoints and spills to the next as it degrades (Envoy's
   * priority levels). An integer in [0, 127].
   * @default 0
   */
  readonly priority?: number;
  /** A label for the zone or locality it runs in, shown in stats and events. */
  readonly zone?: string;
}

/** An endpoint as the router hands it to your function: what you gave it, with the defaults filled in. */
export interface Endpoint<D = unknown> {
  readonly id: string;
  readonly data: D;
  readonly weight: number;
  readonly priority: number;
  readonly zone: string | undefined;
}

/** Where an endpoint stands with outlier detection. */
export type OutlierStatus = 'active' | 'ejected' | 'probing';

export const MAX_PRIORITY = 127;

/**
 * Checks an endpoint description. At construction its fields are options
 * (`endpoints[2].weight`); given to `add()` they are arguments; the error
 * class follows.
 */
export function readEndpointInit<D>(value: unknown, name: string, as: 'option' | 'argument'): Endpoint<D> {
  const fail = (field: string, expected: string, received: unknown): never => {
    throw as === 'option'
      ? new InvalidOptionError(field, expected, received)
      : new InvalidArgumentError(field, expected, received);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(name, 'an endpoint { id, data?, weight?, priority?, zone? }', value);
  }
  const { id, data, weight = 1, priority = 0, zone } = value as EndpointInit<D>;
  if (typeof id !== 'string' || id.length === 0) fail(`${name}.id`, 'a non-empty string', id);
  if (typeof weight !== 'number' || !(weight > 0) || weight > Number.MAX_SAFE_INTEGER) {
    fail(`${name}.weight`, `a number in (0, ${Number.MAX_SAFE_INTEGER}]`, weight);
  }
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    fail(`${name}.priority`, `an integer in [0, ${MAX_PRIORITY}]`, priority);
  }
  if (zone !== undefined && typeof zone !== 'string') fail(`${name}.zone`, 'a string or undefined', zone);
  return Object.freeze({ id, data: data as D, weight, priority, zone });
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
  inFlightHead: Attempt | undefined;

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
}

export const ROLLING_REQUESTS = 0;
export const ROLLING_FAILURES = 1;
