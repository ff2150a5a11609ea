import { InvalidArgumentError } from './errors.js';

/** What `Clock.setTimeout` returns: a Node `Timeout`, a browser timer id, or a virtual timer. */
export type TimerHandle = object | number;

/**
 * The source of time for every palisade package. Inject a `VirtualClock` in
 * tests and simulations; the default is `realClock`.
 *
 * The shape matches the platform's timer functions, so anything that offers
 * `now`, `setTimeout` and `clearTimeout` (a fake-timer library, say) fits.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as `Date.now()` counts them. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer. Clearing one that has fired or was cleared does nothing. */
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay platform timers honour: they fire at once for a longer one. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * The real clock: `Date.now()` and the platform's timers. The only place in
 * palisade that touches them, so everything else stays injectable.
 */
export const realClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): TimerHandle => {
    const delay = checkDelay(ms);
    if (delay > MAX_TIMER_DELAY) {
      throw new InvalidArgumentError('ms', `at most ${MAX_TIMER_DELAY} (about 24.8 days) on the real clock`, ms);
    }
    return setTimeout(callback, delay);
  },
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
});

/**
 * Lets the process exit while `handle` is pending, where the platform allows.
 * Background timers (health checks, idle sweeps) use it so that they never
 * keep a Node process alive on their own.
 */
export function unrefTimer(handle: TimerHandle): void {
  if (typeof handle === 'object' && 'unref' in handle && typeof handle.unref === 'function') handle.unref();
}

/**
 * Validates a timer delay. A negative delay means "as soon as possible", as
 * with platform timers: deadlines computed as `expiresAt - now` go negative.
 * NaN or Infinity is a bug at the call site, so it throws.
 */
export function checkDelay(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidArgumentError('ms', 'a finite number of milliseconds', ms);
  }
  return Math.max(0, ms);
}
