/**
 * `@palisade/queue/otel`: OpenTelemetry instrumentation for sharded queues
 * and data-job queues (in process or on Redis). Only this entry point
 * imports `@opentelemetry/api` (an optional peer dependency); the package's
 * root never does.
 */
export { instrumentJobQueue, type JobQueueInstrumentationOptions } from './otel-job-queue.js';
export { instrumentQueue, type QueueInstrumentationOptions } from './otel-queue.js';
