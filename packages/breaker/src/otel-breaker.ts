import { type Attributes, type BatchObservableCallback, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  ATTR_NAME,
  ATTR_OUTCOME,
  ATTR_STATE,
  attributeSets,
  EVENT_REJECT,
  EVENT_STATE_CHANGE,
  OUTCOMES,
  rejectEventAttributes,
  SCOPE,
  STATES,
  stateName,
} from './otel-attributes.js';

/** What `instrumentBreaker` takes. */
export interface BreakerInstrumentationOptions {
  /**
   * The breaker's name, the `palisade.breaker.name` attribute of its series
   * and span events. One per breaker you run (`payments-api`), never per
   * request or key, and unique within the meter provider.
   */
  readonly name: string;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether a rejection or a state change adds an event to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

/**
 * Reports a breaker to OpenTelemetry: its calls by outcome, slow calls,
 * trips, calls in flight and state (observed from `stats()` when metrics are
 * collected, so a call pays nothing), its transitions, and span events for
 * rejections and state changes. Dispose the returned handle to stop.
 *
 * Throws `InvalidArgumentError` when `breaker` is not a `CircuitBreaker`, and
 * `InvalidOptionError` for a bad option.
 */
export function instrumentBreaker(breaker: CircuitBreaker, options: BreakerInstrumentationOptions): IDisposable {
  if (!(breaker instanceof CircuitBreaker)) throw new InvalidArgumentError('breaker', 'a CircuitBreaker', breaker);
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents } = instrumentationOptions(options);
  const meter = meterProvider.getMeter(SCOPE);
  const byOutcome = attributeSets(name, ATTR_OUTCOME, OUTCOMES);
  const byState = attributeSets(name, ATTR_STATE, STATES);
  const own: Attributes = Object.freeze({ [ATTR_NAME]: name });

  const calls = meter.createObservableCounter('palisade.breaker.calls', {
    unit: '{call}',
    description: 'Calls through the breaker, by outcome: success, failure (counted by the trip rules), rejected.',
  });
  const slowCalls = meter.createObservableCounter('palisade.breaker.slow_calls', {
    unit: '{call}',
    description: 'Calls slower than the smallest slowCallDuration of the rules.',
  });
  const trips = meter.createObservableCounter('palisade.breaker.trips', {
    unit: '{trip}',
    description: 'Times a trip rule said "open", including in metrics-only mode where nothing opens.',
  });
  const inFlight = meter.createObservableUpDownCounter('palisade.breaker.in_flight', {
    unit: '{call}',
    description: 'Calls admitted and not settled.',
  });
  const state = meter.createObservableGauge('palisade.breaker.state', {
    unit: '1',
    description: 'The circuit state: 1 for the current state, 0 for the others.',
  });
  const observe: BatchObservableCallback = (result) => {
    const stats = breaker.stats();
    result.observe(calls, stats.successes, byOutcome.success);
    result.observe(calls, stats.failures, byOutcome.failure);
    result.observe(calls, stats.rejections, byOutcome.rejected);
    result.observe(slowCalls, stats.slowCalls, own);
    result.observe(trips, stats.trips, own);
    result.observe(inFlight, stats.inFlight, own);
    const current = stateName(stats.state);
    for (const kind of STATES) result.observe(state, kind === current ? 1 : 0, byState[kind]);
  };
  const observables = [calls, slowCalls, trips, inFlight, state];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

  const transitions = meter.createCounter('palisade.breaker.transitions', {
    unit: '{transition}',
    description: 'State changes, by the state entered.',
  });
  handles.push(
    breaker.onStateChange((next) => {
      const kind = stateName(next);
      transitions.add(1, byState[kind]);
      if (traceEvents) trace.getActiveSpan()?.addEvent(EVENT_STATE_CHANGE, byState[kind]);
    }),
  );
  if (traceEvents) {
    handles.push(
      breaker.onReject(({ reason, retryAfter }) => {
        const span = trace.getActiveSpan();
        if (span?.isRecording()) span.addEvent(EVENT_REJECT, rejectEventAttributes(name, reason, retryAfter));
      }),
    );
  }
  return disposeAll(handles);
}
