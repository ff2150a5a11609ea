import { type Attributes, type BatchObservableCallback, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { BreakerRegistry } from './breaker-registry.js';
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

/** What `instrumentRegistry` takes. */
export interface RegistryInstrumentationOptions {
  /**
   * The registry's name, the `palisade.breaker.name` attribute of its series
   * and span events. Keys never become attributes: every key's breaker is
   * counted in the registry's series.
   */
  readonly name: string;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether a rejection or a state change of any of its breakers adds an event to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

/**
 * Reports a keyed registry to OpenTelemetry as one set of series, whatever
 * the number of keys: the calls of all its breakers by outcome, slow calls and
 * calls in flight (its `stats()`, O(1), read when metrics are collected), the
 * number of breakers in each state, their transitions, the breakers created
 * and evicted, and span events for rejections and state changes. Dispose the
 * returned handle to stop.
 *
 * Throws `InvalidArgumentError` when `registry` is not a `BreakerRegistry`,
 * and `InvalidOptionError` for a bad option.
 */
export function instrumentRegistry<K>(
  registry: BreakerRegistry<K>,
  options: RegistryInstrumentationOptions,
): IDisposable {
  if (!(registry instanceof BreakerRegistry)) {
    throw new InvalidArgumentError('registry', 'a BreakerRegistry', registry);
  }
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
  const inFlight = meter.createObservableUpDownCounter('palisade.breaker.in_flight', {
    unit: '{call}',
    description: 'Calls admitted and not settled.',
  });
  const breakers = meter.createObservableUpDownCounter('palisade.breaker.registry.breakers', {
    unit: '{breaker}',
    description: "The registry's breakers, by the state of their circuit.",
  });
  const observe: BatchObservableCallback = (result) => {
    const stats = registry.stats();
    result.observe(calls, stats.successes, byOutcome.success);
    result.observe(calls, stats.failures, byOutcome.failure);
    result.observe(calls, stats.rejections, byOutcome.rejected);
    result.observe(slowCalls, stats.slowCalls, own);
    result.observe(inFlight, stats.inFlight, own);
    result.observe(breakers, stats.closed, byState.closed);
    result.observe(breakers, stats.open, byState.open);
    result.observe(breakers, stats.halfOpen, byState['half-open']);
    result.observe(breakers, stats.isolated, byState.isolated);
  };
  const observables = [calls, slowCalls, inFlight, breakers];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

  const transitions = meter.createCounter('palisade.breaker.transitions', {
    unit: '{transition}',
    description: 'State changes, by the state entered.',
  });
  const created = meter.createCounter('palisade.breaker.registry.created', {
    unit: '{breaker}',
    description: 'Breakers created for a key on first use.',
  });
  const evicted = meter.createCounter('palisade.breaker.registry.evicted', {
    unit: '{breaker}',
    description: 'Idle breakers dropped by the sweep.',
  });
  handles.push(
    registry.onCreate(() => created.add(1, own)),
    registry.onEvict(() => evicted.add(1, own)),
    registry.onStateChange((next) => {
      const kind = stateName(next);
      transitions.add(1, byState[kind]);
      if (traceEvents) trace.getActiveSpan()?.addEvent(EVENT_STATE_CHANGE, byState[kind]);
    }),
  );
  if (traceEvents) {
    handles.push(
      registry.onReject(({ reason, retryAfter }) => {
        const span = trace.getActiveSpan();
        if (span?.isRecording()) span.addEvent(EVENT_REJECT, rejectEventAttributes(name, reason, retryAfter));
      }),
    );
  }
  return disposeAll(handles);
}
