/** Something waiting on a caller's signal. */
export interface Cancellable {
  cancel(signal: AbortSignal): void;
}

/** The calls waiting on one signal. */
export type SignalWatch = Set<Cancellable>;

const watches = new WeakMap<AbortSignal, SignalWatch>();

/**
 * Registers `call` to be cancelled when `signal` aborts.
 *
 * An abort listener costs about 0.4 µs to add and remove on Node's
 * EventTarget, more than the rest of a call. So each signal gets one
 * listener, the first time a call uses it, and keeps it: calls join and
 * leave a set instead. A signal shared by many calls (a request's, or a
 * shutdown signal) then costs a set insertion per call. The listener lives
 * as long as the signal does; it holds only the set, which is empty once
 * the calls have settled.
 */
export function watchSignal(signal: AbortSignal, call: Cancellable): SignalWatch {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const calls: SignalWatch = new Set();
    watch = calls;
    watches.set(signal, calls);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of [...calls]) each.cancel(signal);
      },
      { once: true },
    );
  }
  watch.add(call);
  return watch;
}
