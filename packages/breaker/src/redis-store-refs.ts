import type { RedisBreakerStore } from './redis-breaker-store.js';

/**
 * The stores a backend tells of changes, by circuit name. It holds them
 * weakly: a store nobody holds any more (its breaker was dropped) is
 * collected and stops being told. A store whose `ready` is pending is held
 * strongly, since what awaits it may be held only by the store.
 */
export class StoreRefs {
  readonly #circuits = new Map<string, Set<WeakRef<RedisBreakerStore>>>();
  readonly #held = new Set<RedisBreakerStore>();
  readonly #finalizer = new FinalizationRegistry<{ name: string; ref: WeakRef<RedisBreakerStore> }>(({ name, ref }) =>
    this.#dropRef(name, ref),
  );

  /** Circuit names with a store. */
  get size(): number {
    return this.#circuits.size;
  }

  names(): string[] {
    return [...this.#circuits.keys()];
  }

  add(store: RedisBreakerStore): void {
    const name = store.name;
    const ref = new WeakRef(store);
    let refs = this.#circuits.get(name);
    if (refs === undefined) {
      refs = new Set();
      this.#circuits.set(name, refs);
    }
    refs.add(ref);
    this.#finalizer.register(store, { name, ref }, store);
  }

  /** The live stores of circuit `name`. */
  of(name: string): RedisBreakerStore[] {
    const refs = this.#circuits.get(name);
    if (refs === undefined) return [];
    const stores: RedisBreakerStore[] = [];
    for (const ref of refs) {
      const store = ref.deref();
      if (store === undefined) refs.delete(ref);
      else stores.push(store);
    }
    if (refs.size === 0) this.#circuits.delete(name);
    return stores;
  }

  forget(store: RedisBreakerStore): void {
    const refs = this.#circuits.get(store.name);
    if (refs === undefined) return;
    for (const ref of refs) if (ref.deref() === store) this.#dropRef(store.name, ref);
    this.#finalizer.unregister(store);
  }

  /** Keeps `store` from being collected until `release`. */
  hold(store: RedisBreakerStore): void {
    this.#held.add(store);
  }

  release(store: RedisBreakerStore): void {
    this.#held.delete(store);
  }

  #dropRef(name: string, ref: WeakRef<RedisBreakerStore>): void {
    const refs = this.#circuits.get(name);
    if (refs === undefined) return;
    refs.delete(ref);
    if (refs.size === 0) this.#circuits.delete(name);
  }
}
