import { EventEmitter } from 'cockatiel';
import { reportError } from './report-error.js';

/**
 * cockatiel's `EventEmitter`, except that a listener that throws neither
 * unwinds the emitting primitive's bookkeeping nor keeps later listeners
 * from hearing the event: its error is reported (see `reportError`), as
 * `EventTarget` does. Subscribing is unchanged, so it is still cockatiel's
 * `Event` idiom.
 */
export class SafeEventEmitter<T> extends EventEmitter<T> {
  override emit(value: T): void {
    const listeners = this.listeners;
    if (listeners === undefined) return;
    if (typeof listeners === 'function') {
      try {
        listeners(value);
      } catch (error) {
        reportError(error);
      }
      return;
    }
    // A copy, so a listener that unsubscribes during the event does not make the next one miss it.
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        reportError(error);
      }
    }
  }
}
