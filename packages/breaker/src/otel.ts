/**
 * `@palisade/breaker/otel`: OpenTelemetry instrumentation for breakers and
 * keyed registries. Only this entry point imports `@opentelemetry/api` (an
 * optional peer dependency); the package's root never does.
 */
export { type BreakerInstrumentationOptions, instrumentBreaker } from './otel-breaker.js';
export { instrumentRegistry, type RegistryInstrumentationOptions } from './otel-registry.js';
