/**
 * Reports an error that must not unwind the code that caught it (a
 * listener's, say), the way `EventTarget` does: through the platform's
 * `reportError` where there is one (browsers), otherwise rethrown from a
 * fresh microtask, where Node reports it as an uncaught exception.
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
