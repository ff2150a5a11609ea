import type { IDisposable } from 'cockatiel';
import { InvalidOptionError } from './errors.js';
import { rejectUnknownOptions } from './known-options.js';
import { optionsObject } from './validate.js';

/**
 * What every `instrument<Thing>` function of the `otel` subpaths takes. The
 * provider is typed by its shape, not by `@opentelemetry/api`, so that core
 * never imports OpenTelemetry: only the `otel` subpaths do.
 */
export interface InstrumentationOptionsShape {
  readonly name: string;
  readonly meterProvider?: { getMeter(name: string): unknown } | undefined;
  readonly traceEvents?: boolean | undefined;
}

/** The keys every instrumentation accepts; a function passes its own extra keys beside them. */
export const instrumentationOptionKeys: readonly string[] = ['name', 'meterProvider', 'traceEvents'];

/**
 * Checks an instrumentation's options: `name` a non-empty string (it becomes
 * an attribute value, so it is bounded too), `meterProvider` something with
 * `getMeter`, `traceEvents` a boolean, and no unknown key. Throws
 * `InvalidOptionError` naming the option.
 */
export function instrumentationOptions<T extends InstrumentationOptionsShape>(
  options: T,
  extraKeys: readonly string[] = [],
): T & { readonly traceEvents: boolean } {
  if (options === undefined) throw new InvalidOptionError('name', 'a non-empty string', undefined);
  const checked = optionsObject('options', options);
  rejectUnknownOptions(checked, [...instrumentationOptionKeys, ...extraKeys]);
  const { name, meterProvider, traceEvents = true } = checked;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new InvalidOptionError('name', 'a string of 1 to 255 characters', name);
  }
  if (
    meterProvider !== undefined &&
    (typeof meterProvider !== 'object' || meterProvider === null || typeof meterProvider.getMeter !== 'function')
  ) {
    throw new InvalidOptionError('meterProvider', 'an OpenTelemetry MeterProvider', meterProvider);
  }
  if (typeof traceEvents !== 'boolean') throw new InvalidOptionError('traceEvents', 'a boolean', traceEvents);
  return { ...checked, traceEvents };
}

/**
 * OpenTelemetry's suggested histogram boundaries for durations, in seconds
 * (the HTTP semantic conventions' advice), shared so that every palisade
 * duration histogram buckets alike. Pass a copy: the SDK's `advice` takes a
 * mutable array.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * The part of an OpenTelemetry `Meter` that batch observation needs, by
 * shape, for the same reason as `InstrumentationOptionsShape`.
 */
export interface BatchObservingMeter<Callback, Observable> {
  addBatchObservableCallback(callback: Callback, observables: Observable[]): void;
  removeBatchObservableCallback(callback: Callback, observables: Observable[]): void;
}

/** Registers a batch observable callback and returns the handle that removes it. */
export function observeBatch<Callback, Observable>(
  meter: BatchObservingMeter<Callback, Observable>,
  callback: Callback,
  observables: Observable[],
): IDisposable {
  meter.addBatchObservableCallback(callback, observables);
  return { dispose: () => meter.removeBatchObservableCallback(callback, observables) };
}

/** One disposable for several: disposes each once, in reverse order, however often it is called. */
export function disposeAll(disposables: readonly IDisposable[]): IDisposable {
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      for (let i = disposables.length - 1; i >= 0; i--) disposables[i]?.dispose();
    },
  };
}
