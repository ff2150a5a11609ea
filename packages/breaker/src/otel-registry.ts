import { type BatchObservableCallback, type MeterProvider, metrics } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { BreakerRegistry } from './breaker-registry.js';
import { SCOPE } from './otel-attributes.js';
import { breakerAttributeSets, callInstruments, reportTransitions } from './otel-instruments.js';

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
  const sets = breakerAttributeSets(name);
  const { own, byState } = sets;

  const callSeries = callInstruments(meter);
  const breakers = meter.createObservableUpDownCounter('palisade.breaker.registry.breakers', {
    unit: '{breaker}',
    description: "The registry's breakers, by the state of their circuit.",
  });
  const observe: BatchObservableCallback = (result) => {
    const stats = registry.stats();
    callSeries.observe(result, stats, sets);
    result.observe(breakers, stats.closed, byState.closed);
    result.observe(breakers, stats.open, byState.open);
    result.observe(breakers, stats.halfOpen, byState['half-open']);
    result.observe(breakers, stats.isolated, byState.isolated);
  };
  const observables = [...callSeries.observables, breakers];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

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
    ...reportTransitions(registry, meter, name, byState, traceEvents),
  );
  return disposeAll(handles);
}
