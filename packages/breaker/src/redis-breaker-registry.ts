import { InvalidOptionError } from '@palisade/core';
import { functionOption, optionsObject } from '@palisade/core/internal';
import type { CircuitBreakerOptions } from './breaker-options.js';
import { BreakerRegistry, type BreakerRegistryOptions } from './breaker-registry.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { RedisBreakerStore } from './redis-breaker-store.js';

/** Options of `RedisBreakerBackend.registry()`: a `BreakerRegistry`'s, and how keys name circuits. */
export interface RedisBreakerRegistryOptions<K> extends BreakerRegistryOptions<K> {
  /**
   * The shared circuit's name for a key. Processes share a key's circuit when
   * they give it the same name.
   * @default String(key)
   */
  readonly circuitName?: (key: K) => string;
}

/**
 * A `BreakerRegistry` whose breakers take their stores from `storeFor` (a
 * backend's `store`), one per key's circuit name; a dropped breaker's store
 * is closed.
 */
export function sharedRegistry<K>(
  storeFor: (name: string) => RedisBreakerStore,
  options: RedisBreakerRegistryOptions<K>,
): BreakerRegistry<K> {
  const { circuitName = String, breaker = {}, ...registryOptions } = optionsObject('options', options);
  functionOption('circuitName', circuitName);
  const optionsFor = typeof breaker === 'function' ? breaker : sharedBreakerOptions<K>(breaker);
  const stores = new WeakMap<CircuitBreaker, RedisBreakerStore>();
  let created: RedisBreakerStore | undefined;
  const registry = new BreakerRegistry<K>({
    ...registryOptions,
    breaker: (key) => {
      const keyOptions = optionsObject('breaker', optionsFor(key));
      if (keyOptions.store !== undefined) {
        throw new InvalidOptionError('breaker.store', 'no store: the backend gives each key its own', keyOptions.store);
      }
      created = storeFor((circuitName as (key: K) => string)(key));
      return { ...keyOptions, store: created };
    },
  });
  registry.onCreate(({ breaker: made }) => {
    if (created !== undefined) stores.set(made, created);
    created = undefined;
  });
  registry.onEvict(({ breaker: evicted }) => void stores.get(evicted)?.close());
  return registry;
}

function sharedBreakerOptions<K>(options: CircuitBreakerOptions): (key: K) => CircuitBreakerOptions {
  const checked = optionsObject('breaker', options);
  for (const perBreaker of ['rule', 'store', 'initialState'] as const) {
    if (checked[perBreaker] !== undefined) {
      throw new InvalidOptionError(
        `breaker.${perBreaker}`,
        perBreaker === 'store'
          ? 'no store: the backend gives each key its own'
          : `a function of the key that returns options (each breaker needs its own ${perBreaker})`,
        checked[perBreaker],
      );
    }
  }
  return () => checked;
}
