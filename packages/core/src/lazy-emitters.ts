import type { Event } from 'cockatiel';
import { SafeEventEmitter } from './safe-event-emitter.js';

/**
 * A primitive's events, each emitter made when the event is first subscribed
 * to, so that an instance nobody listens to holds no emitters. Check
 * `heard(name)` before building a payload. `Events` maps each event's name to
 * its payload type.
 */
export class LazyEmitters<Events extends object> {
  readonly #emitters: { [K in keyof Events]?: SafeEventEmitter<Events[K]> } = {};
  /**
   * Whether any event was ever subscribed to. A lookup by name is keyed by
   * every event's name at one site, which V8 cannot make as cheap as a field
   * read; instances that nobody listens to, the common case, stop here.
   */
  #subscribed = false;

  /** The `onX` function of an event: subscribing creates its emitter. */
  on<K extends keyof Events>(name: K): Event<Events[K]> {
    let emitter = this.#emitters[name];
    if (emitter === undefined) {
      emitter = new SafeEventEmitter<Events[K]>();
      this.#emitters[name] = emitter;
      this.#subscribed = true;
    }
    return emitter.addListener;
  }

  /** Whether anyone listens to `name` now. */
  heard(name: keyof Events): boolean {
    if (!this.#subscribed) return false;
    const emitter = this.#emitters[name];
    return emitter !== undefined && emitter.size > 0;
  }

  /** Tells the listeners of `name`; a listener's error is reported, never thrown here. */
  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    if (this.#subscribed) this.#emitters[name]?.emit(payload);
  }
}
