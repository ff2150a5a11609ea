/**
 * `@palisade/breaker/redis`: shared circuit-breaker state on Redis. Importing
 * it loads ioredis (an optional peer dependency); `@palisade/breaker` never does.
 */
export { BreakerBackendClosedError } from './errors.js';
export {
  RedisBreakerBackend,
  type RedisBreakerBackendStats,
  type RedisBreakerConnectionEvent,
} from './redis-breaker-backend.js';
export type { QuorumOptions, RedisBreakerBackendOptions } from './redis-breaker-options.js';
export type { RedisBreakerRegistryOptions } from './redis-breaker-registry.js';
export { type CircuitSource, RedisBreakerStore, type RedisBreakerStoreStats } from './redis-breaker-store.js';
export type { RedisBreakerReconcileEvent } from './redis-circuit-link.js';
export type { RedisConnection } from './redis-connection.js';
