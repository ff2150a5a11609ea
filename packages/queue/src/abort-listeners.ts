interface SharedListener {
  readonly callbacks: Set<() => void>;
  readonly dispatch: () => void;
}

/**
 * One `abort` listener per signal, shared by every task that uses the signal.
 * Adding or removing a DOM listener scans the signal's listeners, so a
 * listener per task costs O(n²) when many tasks share one signal (a request's
 * signal over its fan-out, say), and Node warns past ten of them. p-queue
 * learned this the same way.
 */
export class AbortListeners {
  readonly #bySignal = new Map<AbortSignal, SharedListener>();

  /** Calls `callback` once when `signal` aborts; returns a function that stops listening. */
  listen(signal: AbortSignal, callback: () => void): () => void {
    let shared = this.#bySignal.get(signal);
    if (shared === undefined) {
      const callbacks = new Set<() => void>();
      const dispatch = (): void => {
        this.#bySignal.delete(signal);
        // Live iteration: a callback removed by an earlier one is not called.
        for (const pending of callbacks) pending();
      };
      shared = { callbacks, dispatch };
      this.#bySignal.set(signal, shared);
      signal.addEventListener('abort', dispatch, { once: true });
    }
    const current = shared;
    current.callbacks.add(callback);
    return () => {
      current.callbacks.delete(callback);
      if (current.callbacks.size > 0 || this.#bySignal.get(signal) !== current) return;
      this.#bySignal.delete(signal);
      signal.removeEventListener('abort', current.dispatch);
    };
  }
}
