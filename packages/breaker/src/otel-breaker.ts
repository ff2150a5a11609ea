import { type BatchObservableCallback, type MeterProvider, metrics } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { CircuitBreaker } from './circuit-breaker.js';
import { SCOPE, STATES, stateName } from './otel-attributes.js';
import { breakerAttributeSets, callInstruments, reportTransitions } from './otel-instruments.js';

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
  const sets = breakerAttributeSets(name);
  const { own, byState } = sets;

  const callSeries = callInstruments(meter);
  const trips = meter.createObservableCounter('palisade.breaker.trips', {
    unit: '{trip}',
    description: 'Times a trip rule said "open", including in metrics-only mode where nothing opens.',
  });
  const state = meter.createObservableGauge('palisade.breaker.state', {
    unit: '1',
    description: 'The circuit state: 1 for the current state, 0 for the others.',
  });
  const observe: BatchObservableCallback = (result) => {
    const stats = breaker.stats();
    callSeries.observe(result, stats, sets);
    result.observe(trips, stats.trips, own);
    const current = stateName(stats.state);
    for (const kind of STATES) result.observe(state, kind === current ? 1 : 0, byState[kind]);
  };
  const observables = [...callSeries.observables, trips, state];
  return disposeAll([
    observeBatch(meter, observe, observables),
    ...reportTransitions(breaker, meter, name, byState, traceEvents),
  ]);
}
