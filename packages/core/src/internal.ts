/**
 * `@palisade/core/internal`: what palisade's own packages share and users do
 * not need. It is not part of the public API and may change in any release;
 * the root entry point is the API.
 */
export { MAX_TIMER_DELAY } from './clock.js';
export {
  type BatchObservingMeter,
  DURATION_BUCKETS_SECONDS,
  disposeAll,
  type InstrumentationOptionsShape,
  instrumentationOptionKeys,
  instrumentationOptions,
  observeBatch,
} from './instrumentation.js';
export { editDistance, nearestKey, rejectUnknownOptions } from './known-options.js';
export { LazyEmitters } from './lazy-emitters.js';
export { NEVER_ABORTED_SIGNAL } from './never-aborted-signal.js';
export { reportError } from './report-error.js';
export { SafeEventEmitter } from './safe-event-emitter.js';
export { isThenable } from './thenable.js';
export {
  durationOption,
  formatRange,
  functionOption,
  integerOption,
  type NumberRange,
  numberOption,
  oneOfOption,
  optionsObject,
  policyOption,
  positiveOrUnlimited,
} from './validate.js';
