/**
 * `@palisade/router/otel`: OpenTelemetry instrumentation for routers. Only
 * this entry point imports `@opentelemetry/api` (an optional peer
 * dependency); the package's root never does.
 */
export { instrumentRouter, type RouterInstrumentationOptions } from './otel-router.js';
