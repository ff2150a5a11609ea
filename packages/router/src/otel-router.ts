import {
  type Attributes,
  type BatchObservableCallback,
  createNoopMeter,
  type MeterProvider,
  metrics,
  type Span,
  trace,
} from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { DURATION_BUCKETS_SECONDS, disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { type FailureReason, TaskCancelledError } from 'cockatiel';
import { Router } from './router.js';
import type { EndpointStatus } from './stats.js';

/** What `instrumentRouter` takes. */
export interface RouterInstrumentationOptions {
  /**
   * The router's name, the `palisade.router.name` attribute of its series
   * and span events: one per router you run (`inventory-api`), unique within
   * the meter provider.
   */
  readonly name: string;
  /**
   * Whether per-endpoint series carry the endpoint's id
   * (`palisade.router.endpoint`). Endpoint ids are bounded by the endpoints
   * you configure; turn this off when endpoints come and go by the thousand
   * (service discovery), and the attempts are reported for the router as a whole.
   * @default true
   */
  readonly endpointAttribute?: boolean;
  /**
   * Whether to record each call's duration (`palisade.router.call.duration`).
   * It is the only instrument a call pays for: with an SDK installed, its
   * `record` costs about as much as a fast call through the router
   * (bench/RESULTS.md, "OpenTelemetry instrumentation overhead"). Without
   * an SDK it costs nothing either way.
   * @default true
   */
  readonly durations?: boolean;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether retries, hedges, ejections and refusals of the retry budget add
   * events to the span active at that moment. The listeners run only when
   * one of those happens, never on a call that goes straight through; with
   * no SDK registered no span is ever active and they add nothing.
   * @default true
   */
  readonly traceEvents?: boolean;
}

const SCOPE = '@palisade/router';
const ATTR_NAME = 'palisade.router.name';
const ATTR_ENDPOINT = 'palisade.router.endpoint';
const ATTR_OUTCOME = 'palisade.router.outcome';
const STATUSES: readonly EndpointStatus[] = ['healthy', 'ejected', 'probing', 'unhealthy', 'removed'];

/** A failure's `error.type`: the error's stable code, else its class name, else `_OTHER` (a failed result). */
function errorType(reason: FailureReason<unknown>): string {
  if (!('error' in reason)) return '_OTHER';
  const error = reason.error as { code?: unknown; name?: unknown } | null | undefined;
  if (typeof error?.code === 'string') return error.code;
  return typeof error?.name === 'string' ? error.name : '_OTHER';
}

/** What the API's no-op meter hands out: a histogram that is this one records nothing. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');

const recording = (): Span | undefined => {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
};

/**
 * Reports a router to OpenTelemetry: calls by outcome and their duration,
 * attempts by endpoint and outcome, retries, hedges, ejections, the retry
 * budget and the endpoints by status, and span events for retries, hedges,
 * ejections and budget refusals. Counts are read from `stats()` when metrics
 * are collected; a call pays for the duration histogram only (see
 * `durations`), and not at all when no SDK is registered.
 *
 * Throws `InvalidArgumentError` when `router` is not a `Router`, and
 * `InvalidOptionError` for a bad option.
 */
export function instrumentRouter<D>(router: Router<D>, options: RouterInstrumentationOptions): IDisposable {
  if (!(router instanceof Router)) throw new InvalidArgumentError('router', 'a Router', router);
  const checked = instrumentationOptions(options, ['endpointAttribute', 'durations']);
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents } = checked;
  const { endpointAttribute = true, durations = true } = checked;
  if (typeof endpointAttribute !== 'boolean') {
    throw new InvalidOptionError('endpointAttribute', 'a boolean', endpointAttribute);
  }
  if (typeof durations !== 'boolean') throw new InvalidOptionError('durations', 'a boolean', durations);
  const meter = meterProvider.getMeter(SCOPE);
  const own: Attributes = Object.freeze({ [ATTR_NAME]: name });
  const with1 = (key: string, value: string): Attributes => Object.freeze({ [ATTR_NAME]: name, [key]: value });
  const byOutcome = {
    success: with1(ATTR_OUTCOME, 'success'),
    failure: with1(ATTR_OUTCOME, 'failure'),
    cancelled: with1(ATTR_OUTCOME, 'cancelled'),
  };
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, with1('palisade.router.endpoint.status', s)]));
  const byDecision = {
    granted: with1('palisade.router.budget.decision', 'granted'),
    refused: with1('palisade.router.budget.decision', 'refused'),
  };
  // Per endpoint and outcome, made once per endpoint id seen (one entry, '', without endpointAttribute).
  const endpointSets = new Map<string, Record<'own' | 'success' | 'failure' | 'abandoned', Attributes>>();
  const forEndpoint = (id: string) => {
    let sets = endpointSets.get(id);
    if (sets === undefined) {
      const base = endpointAttribute ? { [ATTR_NAME]: name, [ATTR_ENDPOINT]: id } : { [ATTR_NAME]: name };
      sets = {
        own: Object.freeze(base),
        success: Object.freeze({ ...base, [ATTR_OUTCOME]: 'success' }),
        failure: Object.freeze({ ...base, [ATTR_OUTCOME]: 'failure' }),
        abandoned: Object.freeze({ ...base, [ATTR_OUTCOME]: 'abandoned' }),
      };
      endpointSets.set(id, sets);
    }
    return sets;
  };

  const calls = meter.createObservableCounter('palisade.router.calls', {
    unit: '{call}',
    description: 'Calls through the router, by outcome: success, failure, cancelled (by their caller).',
  });
  const inFlight = meter.createObservableUpDownCounter('palisade.router.in_flight', {
    unit: '{call}',
    description: 'Calls in flight.',
  });
  const attempts = meter.createObservableCounter('palisade.router.attempts', {
    unit: '{attempt}',
    description:
      'Attempts by endpoint and outcome: success, failure (timeouts included), abandoned (the call ended without it).',
  });
  const retries = meter.createObservableCounter('palisade.router.retries', {
    unit: '{attempt}',
    description: 'Retries made.',
  });
  const hedges = meter.createObservableCounter('palisade.router.hedges', {
    unit: '{attempt}',
    description: 'Hedged attempts made.',
  });
  const hedgeWins = meter.createObservableCounter('palisade.router.hedge_wins', {
    unit: '{call}',
    description: 'Calls a hedged attempt won.',
  });
  const deadlineExceeded = meter.createObservableCounter('palisade.router.deadline_exceeded', {
    unit: '{call}',
    description: 'Calls that ended because their deadline passed.',
  });
  const noEndpoint = meter.createObservableCounter('palisade.router.no_endpoint', {
    unit: '{call}',
    description: 'Calls that found no endpoint to go to.',
  });
  const ejections = meter.createObservableCounter('palisade.router.ejections', {
    unit: '{ejection}',
    description: 'Endpoints ejected by outlier detection.',
  });
  const budget = meter.createObservableCounter('palisade.router.budget.used', {
    unit: '{attempt}',
    description: 'Retries and hedges the retry budget (or throttle) granted, and refused.',
  });
  const budgetAvailable = meter.createObservableGauge('palisade.router.budget.available', {
    unit: '{attempt}',
    description: 'Retries the budget would grant now (not reported while unlimited).',
  });
  const endpoints = meter.createObservableUpDownCounter('palisade.router.endpoints', {
    unit: '{endpoint}',
    description: 'Endpoints by status: healthy (in rotation), ejected, probing, unhealthy, removed (draining).',
  });
  const outstanding = meter.createObservableUpDownCounter('palisade.router.endpoint.outstanding', {
    unit: '{attempt}',
    description: 'Attempts in flight on each endpoint.',
  });
  const latency = meter.createObservableGauge('palisade.router.endpoint.latency', {
    unit: 's',
    description: "Each endpoint's peak-EWMA latency estimate, decayed to now.",
  });

  const observe: BatchObservableCallback = (result) => {
    const stats = router.stats();
    result.observe(calls, stats.successes, byOutcome.success);
    result.observe(calls, stats.failures, byOutcome.failure);
    result.observe(calls, stats.cancelled, byOutcome.cancelled);
    result.observe(inFlight, stats.inFlight, own);
    result.observe(retries, stats.retries, own);
    result.observe(hedges, stats.hedges, own);
    result.observe(hedgeWins, stats.hedgeWins, own);
    result.observe(deadlineExceeded, stats.deadlineExceeded, own);
    result.observe(noEndpoint, stats.noHealthyEndpoint, own);
    const limiter = stats.retryLimiter;
    if (limiter !== undefined) {
      result.observe(budget, limiter.granted, byDecision.granted);
      result.observe(budget, limiter.refused, byDecision.refused);
      if (Number.isFinite(limiter.available)) result.observe(budgetAvailable, limiter.available, own);
    }
    const statusCounts: Record<string, number> = { healthy: 0, ejected: 0, probing: 0, unhealthy: 0, removed: 0 };
    let success = 0;
    let failure = 0;
    let abandoned = 0;
    let ejected = 0;
    let inAttempts = 0;
    for (const endpoint of stats.endpoints) {
      statusCounts[endpoint.status] = (statusCounts[endpoint.status] ?? 0) + 1;
      const lost = Math.max(0, endpoint.attempts - endpoint.successes - endpoint.failures - endpoint.outstanding);
      if (endpointAttribute) {
        const sets = forEndpoint(endpoint.id);
        result.observe(attempts, endpoint.successes, sets.success);
        result.observe(attempts, endpoint.failures, sets.failure);
        result.observe(attempts, lost, sets.abandoned);
        result.observe(ejections, endpoint.ejections, sets.own);
        result.observe(outstanding, endpoint.outstanding, sets.own);
        if (Number.isFinite(endpoint.latency)) result.observe(latency, endpoint.latency / 1000, sets.own);
      } else {
        success += endpoint.successes;
        failure += endpoint.failures;
        abandoned += lost;
        ejected += endpoint.ejections;
        inAttempts += endpoint.outstanding;
      }
    }
    if (!endpointAttribute) {
      const sets = forEndpoint('');
      result.observe(attempts, success, sets.success);
      result.observe(attempts, failure, sets.failure);
      result.observe(attempts, abandoned, sets.abandoned);
      result.observe(ejections, ejected, own);
      result.observe(outstanding, inAttempts, own);
    }
    for (const status of STATUSES) result.observe(endpoints, statusCounts[status] ?? 0, byStatus[status]);
  };
  const observables = [
    calls,
    inFlight,
    attempts,
    retries,
    hedges,
    hedgeWins,
    deadlineExceeded,
    noEndpoint,
    ejections,
    budget,
    budgetAvailable,
    endpoints,
    outstanding,
    latency,
  ];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

  const duration = meter.createHistogram('palisade.router.call.duration', {
    unit: 's',
    description: 'Duration of calls through the router, retries and hedges included, by outcome.',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  // With no SDK registered the histogram records nothing: then a call is not even told to it.
  if (durations && duration !== NOOP_HISTOGRAM) {
    handles.push(
      router.onSuccess(({ duration: ms }) => duration.record(ms / 1000, byOutcome.success)),
      router.onFailure(({ duration: ms, handled, reason }) => {
        // Unhandled: the caller cancelled, or an endpoint answered with an error `handle` does not count (a failed call).
        const cancelled = !handled && 'error' in reason && reason.error instanceof TaskCancelledError;
        duration.record(ms / 1000, cancelled ? byOutcome.cancelled : byOutcome.failure);
      }),
    );
  }

  // No probe of the context manager here: entering a context, even once, switches on the
  // AsyncLocalStorage promise hooks that every promise in the process then pays for.
  if (traceEvents) {
    handles.push(
      router.onRetry(({ endpoint, attempt, delay, reason }) => {
        recording()?.addEvent('palisade.router.retry', {
          [ATTR_NAME]: name,
          [ATTR_ENDPOINT]: endpoint.id,
          'palisade.router.attempt': attempt,
          'palisade.router.retry.delay': delay / 1000,
          'error.type': errorType(reason),
        });
      }),
      router.onHedge(({ endpoint, attempt }) => {
        recording()?.addEvent('palisade.router.hedge', {
          [ATTR_NAME]: name,
          [ATTR_ENDPOINT]: endpoint.id,
          'palisade.router.attempt': attempt,
        });
      }),
      router.onEject(({ endpoint, duration: ms, level }) => {
        recording()?.addEvent('palisade.router.eject', {
          [ATTR_NAME]: name,
          [ATTR_ENDPOINT]: endpoint.id,
          'palisade.router.ejection.duration': ms / 1000,
          'palisade.router.ejection.level': level,
        });
      }),
      router.onBudgetExhausted(({ kind }) => {
        recording()?.addEvent('palisade.router.budget_exhausted', {
          [ATTR_NAME]: name,
          'palisade.router.budget.refused': kind,
        });
      }),
    );
  }
  return disposeAll(handles);
}
