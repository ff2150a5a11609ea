import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import {
  disposeAll,
  type InstrumentationOptionsShape,
  instrumentationOptions,
  observeBatch,
} from './instrumentation.js';

const provider = { getMeter: () => ({}) };

function invalidOption(options: unknown, extraKeys?: string[]): InvalidOptionError {
  try {
    instrumentationOptions(options as InstrumentationOptionsShape, extraKeys);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('instrumentationOptions', () => {
  it('fills in traceEvents and keeps the rest', () => {
    expect(instrumentationOptions({ name: 'payments' })).toEqual({ name: 'payments', traceEvents: true });
    expect(instrumentationOptions({ name: 'a', meterProvider: provider, traceEvents: false })).toEqual({
      name: 'a',
      meterProvider: provider,
      traceEvents: false,
    });
    expect(instrumentationOptions({ name: 'a', extra: 1 } as InstrumentationOptionsShape, ['extra'])).toMatchObject({
      extra: 1,
    });
  });

  it('rejects a missing or bad name, provider or flag, and unknown keys, naming the option', () => {
    expect(invalidOption(undefined).option).toBe('name');
    expect(invalidOption({}).option).toBe('name');
    expect(invalidOption({ name: '' }).option).toBe('name');
    expect(invalidOption({ name: 'x'.repeat(256) }).option).toBe('name');
    expect(invalidOption({ name: 7 }).option).toBe('name');
    expect(invalidOption('payments').option).toBe('options');
    expect(invalidOption({ name: 'a', meterProvider: {} }).option).toBe('meterProvider');
    expect(invalidOption({ name: 'a', meterProvider: null }).option).toBe('meterProvider');
    expect(invalidOption({ name: 'a', traceEvents: 'yes' }).option).toBe('traceEvents');
    const typo = invalidOption({ name: 'a', meterProvder: provider });
    expect(typo.option).toBe('meterProvder');
    expect(typo.message).toContain('did you mean "meterProvider"');
  });
});

describe('disposeAll', () => {
  it('disposes each once, last first', () => {
    const log: number[] = [];
    const all = disposeAll([1, 2, 3].map((n) => ({ dispose: () => log.push(n) })));
    all.dispose();
    all.dispose();
    expect(log).toEqual([3, 2, 1]);
  });
});

describe('observeBatch', () => {
  it('registers the callback with its observables, and the handle removes the same pair', () => {
    const log: string[] = [];
    const callback = () => {};
    const observables = ['a', 'b'];
    const meter = {
      addBatchObservableCallback: (c: () => void, o: string[]) => log.push(`add ${c === callback} ${o.join()}`),
      removeBatchObservableCallback: (c: () => void, o: string[]) => log.push(`remove ${c === callback} ${o.join()}`),
    };
    const handle = observeBatch(meter, callback, observables);
    expect(log).toEqual(['add true a,b']);
    handle.dispose();
    expect(log).toEqual(['add true a,b', 'remove true a,b']);
  });
});
