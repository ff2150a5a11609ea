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
export type { EngineQueue, EngineSpec, JobEngine, JobEventSink, JobQueueConfig, NewJob } from './jobs/engine.js';
export {
  JobFailedError,
  JobLostError,
  JobNotFoundError,
  PayloadNotJsonError,
  type Persisted,
  QueueUnavailableError,
  UnknownHandlerError,
} from './jobs/errors.js';
export { type InProcessEngineOptions, inProcessEngine } from './jobs/in-process-engine.js';
export { JobQueue } from './jobs/job-queue.js';
export type { Json } from './jobs/json.js';
export type { Backoff, JobQueueOptions } from './jobs/options.js';
export type {
  AddJobOptions,
  JobCompletedEvent,
  JobContext,
  JobDataLossEvent,
  JobFailedEvent,
  JobHandler,
  JobHandlers,
  JobHandoffEvent,
  JobMisrouteEvent,
  JobQueueStats,
  JobRedeliveredEvent,
  JobRejectEvent,
  JobResizeEvent,
  JobShardStats,
  JobStalledEvent,
  PayloadOf,
  ResultOf,
  ResultOptions,
} from './jobs/types.js';
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
