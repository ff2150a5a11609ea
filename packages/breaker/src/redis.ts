/**
 * `@palisade/breaker/redis`: shared circuit-breaker state on Redis. Importing
 * it loads ioredis (an optional peer dependency); `@palisade/breaker` never does.
 */
export {
  BreakerBackendClosedError,
  RedisBreakerBackend,
  type RedisBreakerBackendStats,
  type RedisBreakerConnectionEvent,
  type RedisBreakerRegistryOptions,
} from './redis-breaker-backend.js';
export type { QuorumOptions, RedisBreakerBackendOptions } from './redis-breaker-options.js';
export {
  type CircuitSource,
  type RedisBreakerReconcileEvent,
  RedisBreakerStore,
  type RedisBreakerStoreStats,
} from './redis-breaker-store.js';
export type { RedisConnection } from './redis-connection.js';
