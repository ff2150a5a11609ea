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
