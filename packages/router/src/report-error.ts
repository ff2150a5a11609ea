/**
 * Reports an error thrown by a listener or a health check without letting
 * it unwind the router's bookkeeping: in the platform's `reportError` where
 * there is one (browsers), otherwise rethrown from a fresh task, which is
 * what an EventTarget does with a listener's error.
 */
export function reportError(error: unknown): void {
  const platformReport = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof platformReport === 'function') {
    platformReport(error);
    return;
  }
  queueMicrotask(() => {
    throw error;
  });
}
