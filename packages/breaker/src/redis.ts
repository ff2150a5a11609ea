/**
 * `@palisade/breaker/redis`: shared circuit-breaker state on Redis. It loads
 * nothing of ioredis itself: you pass it your client.
 */
export {
  BreakerBackendClosedError,
  RedisBreakerBackend,
  type RedisBreakerBackendStats,
  type RedisBreakerConnectionEvent,
  type RedisBreakerRegistryOptions,
} from './redis-breaker-backend.js';
export type { QuorumOptions, RedisBreakerBackendOptions, RedisClient } from './redis-breaker-options.js';
export {
  type CircuitSource,
  type RedisBreakerReconcileEvent,
  RedisBreakerStore,
  type RedisBreakerStoreStats,
} from './redis-breaker-store.js';
