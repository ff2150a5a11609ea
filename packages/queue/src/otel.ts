/**
 * `@palisade/queue/otel`: OpenTelemetry instrumentation for sharded queues.
 * Only this entry point imports `@opentelemetry/api` (an optional peer
 * dependency); the package's root never does.
 */
export { instrumentQueue, type QueueInstrumentationOptions } from './otel-queue.js';
