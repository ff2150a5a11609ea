type Resolve = () => void;

/**
 * Resolves on the next macrotask. Every microtask queued before it, and every
 * microtask those queue, runs first: this is how `VirtualClock` lets promise
 * chains settle between two timer firings without real time passing.
 *
 * The platform function is captured at import, so a fake-timer library that
 * replaces `setImmediate` later cannot stall the virtual clock.
 */
export const nextMacrotask: () => Promise<void> = createNextMacrotask();

function createNextMacrotask(): () => Promise<void> {
  const platformSetImmediate = (globalThis as { setImmediate?: (callback: Resolve) => unknown }).setImmediate;
  if (typeof platformSetImmediate === 'function') {
    return () => new Promise<void>((resolve) => void platformSetImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    // Browsers: a message on a channel is a macrotask without setTimeout's
    // 4 ms clamp for nested timers.
    const waiting: Resolve[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(undefined);
      });
  }
  const platformSetTimeout = globalThis.setTimeout;
  return () => new Promise<void>((resolve) => void platformSetTimeout(resolve, 0));
}
