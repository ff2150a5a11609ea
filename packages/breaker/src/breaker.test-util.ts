import { CircuitState } from 'cockatiel';
import { afterEach, beforeEach } from 'vitest';
import type { CircuitBreaker } from './circuit-breaker.js';

export class Boom extends Error {
  override readonly name = 'Boom';
}

export const fail = (): never => {
  throw new Boom('boom');
};

export const succeed = (): string => 'ok';

/** How a promise settled, without letting a rejection escape. */
export async function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** Every event of a breaker, in order, as short strings: "break", "half-open", "reset", "state:Open", … */
export function recordEvents(breaker: CircuitBreaker, withOutcomes = false): string[] {
  const log: string[] = [];
  breaker.onBreak((reason) => log.push('isolated' in reason ? 'break:isolated' : 'break'));
  breaker.onHalfOpen(() => log.push('half-open'));
  breaker.onReset(() => log.push('reset'));
  breaker.onStateChange((state) => log.push(`state:${CircuitState[state]}`));
  breaker.onReject((event) => log.push(`rejected:${event.reason}`));
  if (withOutcomes) {
    breaker.onSuccess(() => log.push('success'));
    breaker.onFailure((event) => log.push(event.handled ? 'failure' : 'failure:unhandled'));
  }
  return log;
}

/** Runs `fn` through the breaker `times` times in a row, swallowing rejections. */
export async function run(breaker: CircuitBreaker, fn: () => unknown, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.execute(fn).catch(() => {});
}

/**
 * Captures what listeners' errors are reported through (the platform's
 * `reportError`, which core's emitters call where it exists) for the tests of
 * a describe block, and restores the original after each.
 */
export function captureReportedErrors(): unknown[] {
  const reported: unknown[] = [];
  const global = globalThis as { reportError?: unknown };
  let original: unknown;
  beforeEach(() => {
    reported.length = 0;
    original = global.reportError;
    global.reportError = (error: unknown) => reported.push(error);
  });
  afterEach(() => {
    global.reportError = original;
  });
  return reported;
}
