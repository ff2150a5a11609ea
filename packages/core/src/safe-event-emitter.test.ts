import { EventEmitter } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeEventEmitter } from './safe-event-emitter.js';

describe('SafeEventEmitter', () => {
  // The platform's reportError is where a listener's error goes; capture it.
  const errors: unknown[] = [];
  const global = globalThis as { reportError?: unknown };
  const original = global.reportError;
  beforeEach(() => {
    errors.length = 0;
    global.reportError = (error: unknown) => errors.push(error);
  });
  afterEach(() => {
    global.reportError = original;
  });

  it('is a cockatiel EventEmitter: subscribe with addListener, unsubscribe with the disposable', () => {
    const emitter = new SafeEventEmitter<number>();
    expect(emitter).toBeInstanceOf(EventEmitter);
    const heard: number[] = [];
    const subscription = emitter.addListener((value) => heard.push(value));
    emitter.emit(1);
    subscription.dispose();
    emitter.emit(2);
    expect(heard).toEqual([1]);
    expect(emitter.size).toBe(0);
  });

  it('a listener that throws is reported, and neither unwinds emit nor keeps later listeners from hearing', () => {
    const emitter = new SafeEventEmitter<string>();
    const heard: string[] = [];
    emitter.addListener(() => {
      throw new Error('first listener fails');
    });
    emitter.addListener((value) => heard.push(value));
    expect(() => emitter.emit('event')).not.toThrow();
    expect(heard).toEqual(['event']);
    expect(errors).toEqual([new Error('first listener fails')]);
  });

  it('a lone listener that throws is reported too', () => {
    const emitter = new SafeEventEmitter<void>();
    emitter.addListener(() => {
      throw new Error('lone');
    });
    expect(() => emitter.emit()).not.toThrow();
    expect(errors).toEqual([new Error('lone')]);
  });

  it('a listener that unsubscribes during the event does not make the next one miss it', () => {
    const emitter = new SafeEventEmitter<number>();
    const heard: string[] = [];
    const first = emitter.addListener(() => {
      heard.push('first');
      first.dispose();
    });
    emitter.addListener(() => heard.push('second'));
    emitter.emit(1);
    emitter.emit(2);
    expect(heard).toEqual(['first', 'second', 'second']);
  });
});
