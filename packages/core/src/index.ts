export {
  cancellationError,
  isAbortSignal,
  type LinkedAbortController,
  linkedAbortController,
  onAbort,
  raceAbort,
  throwIfAborted,
} from './abort.js';
export { type Clock, checkDelay, realClock, type TimerHandle, unrefTimer } from './clock.js';
export type { Closable } from './closable.js';
export { createDeadline, type Deadline, delay, type TimingOptions } from './deadline.js';
export {
  brandError,
  CancelledError,
  type CoreErrorCode,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidOptionError,
  isPalisadeError,
  PalisadeError,
  type PalisadeErrorLike,
} from './errors.js';
export { Event, EventEmitter, type IDisposable } from './events.js';
export { defaultRandom, type Random, seededRandom } from './random.js';
export { ClockReentrancyError, ClockRunawayError, VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
