/**
 * `@palisade/messaging/otel`: OpenTelemetry instrumentation for secure
 * channels and key directories. Only this entry point imports
 * `@opentelemetry/api` (an optional peer dependency); the package's root
 * never does.
 */
export { type ChannelInstrumentationOptions, instrumentChannel } from './otel-channel.js';
export { instrumentKeyDirectory, type KeyDirectoryInstrumentationOptions } from './otel-key-directory.js';
