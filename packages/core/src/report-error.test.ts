import { expect, it } from 'vitest';
import { reportError } from './report-error.js';

it("hands the error to the platform's reportError where there is one", () => {
  const reported: unknown[] = [];
  const global = globalThis as { reportError?: unknown };
  const original = global.reportError;
  global.reportError = (error: unknown) => reported.push(error);
  try {
    const error = new Error('listener failed');
    reportError(error);
    expect(reported).toEqual([error]);
  } finally {
    global.reportError = original;
  }
});

it('otherwise rethrows it from a fresh microtask, so the caller carries on', async () => {
  const global = globalThis as { reportError?: unknown };
  const original = global.reportError;
  global.reportError = undefined;
  const uncaught: unknown[] = [];
  const listener = (error: unknown) => uncaught.push(error);
  // Vitest installs its own uncaughtException handler; ours sees the rethrow first.
  process.prependListener('uncaughtException', listener);
  try {
    const error = new Error('listener failed');
    expect(() => reportError(error)).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(uncaught).toContain(error);
  } finally {
    process.removeListener('uncaughtException', listener);
    global.reportError = original;
  }
});
