export type { AddOptions } from './add-options.js';
export type { BackendShard, QueueBackend, ShardJob, ShardSpec } from './backend.js';
export { type BoundedLoadRouterOptions, boundedLoadRouter } from './bounded-load-router.js';
export type { QueueCondition, SizeCondition, WaitOptions } from './condition.js';
export {
  QueueClearedError,
  QueueClosedError,
  type QueueErrorCode,
  QueueFullError,
  type QueueLimit,
} from './errors.js';
export type {
  HandoffEvent,
  QueueRejectEvent,
  ResizeEvent,
  SpillEvent,
  TaskFailureEvent,
  TaskSuccessEvent,
} from './events.js';
export { jumpRouter } from './jump-router.js';
export { hashKey, type QueueKey } from './key.js';
export { murmur3Bytes, murmur3String } from './murmur3.js';
export type {
  KeyOrder,
  ShardedQueueBaseOptions,
  ShardedQueueOptions,
  WhenFull,
} from './options.js';
export { pQueueBackend } from './p-queue-backend.js';
export type { QueueTask, TaskContext } from './queued-task.js';
export { rendezvousRouter } from './rendezvous-router.js';
export type { RingPoint, ShardRouter, ShardRouterFactory } from './shard-router.js';
export { ShardedQueue } from './sharded-queue.js';
export type { QueueStats, ShardStats } from './stats.js';
