import type { QueueKey } from '../key.js';
import type { WhenFull } from '../options.js';
import type { ShardRouterFactory } from '../shard-router.js';
import type {
  JobCompletedEvent,
  JobDataLossEvent,
  JobFailedEvent,
  JobHandler,
  JobHandoffEvent,
  JobMisrouteEvent,
  JobQueueStats,
  JobRedeliveredEvent,
  JobRejectEvent,
  JobResizeEvent,
  JobStalledEvent,
} from './types.js';

/** A `JobQueue`'s options after validation and defaults: what an engine receives. */
export interface JobQueueConfig {
  readonly name: string;
  readonly work: boolean;
  readonly shards: number;
  readonly router: ShardRouterFactory;
  readonly orderedKeys: boolean;
  readonly concurrency: number;
  readonly attempts: number;
  readonly backoff: (attempt: number) => number;
  readonly timeout: number;
  readonly maxSize: number;
  readonly whenFull: WhenFull;
  readonly intervalCap: number;
  readonly interval: number;
  readonly keepResults: number;
}

/** A job as `add` hands it to the engine: checked, with its id chosen. */
export interface NewJob {
  readonly id: string | undefined;
  readonly name: string;
  readonly key: QueueKey;
  /** Plain JSON data (checked). */
  readonly payload: unknown;
  readonly priority: number;
  readonly delay: number;
}

/** How an engine reports what happens; the queue turns these into its `onX` events. */
export interface JobEventSink {
  completed(event: JobCompletedEvent): void;
  failed(event: JobFailedEvent): void;
  stalled(event: JobStalledEvent): void;
  redelivered(event: JobRedeliveredEvent): void;
  handoff(event: JobHandoffEvent): void;
  resize(event: JobResizeEvent): void;
  reject(event: JobRejectEvent): void;
  misroute(event: JobMisrouteEvent): void;
  dataLoss(event: JobDataLossEvent): void;
}

/** What an engine gets to open one queue. */
export interface EngineSpec {
  readonly config: JobQueueConfig;
  readonly handlers: ReadonlyMap<string, JobHandler>;
  readonly events: JobEventSink;
}

/** One open queue on an engine. The `JobQueue` checks every argument before calling it. */
export interface EngineQueue {
  add(job: NewJob, whenFull: WhenFull, signal: AbortSignal | undefined): Promise<string>;
  result(id: string, timeout: number, signal: AbortSignal | undefined): Promise<unknown>;
  resize(count: number, signal: AbortSignal | undefined): Promise<void>;
  stats(): Promise<JobQueueStats>;
  close(): Promise<void>;
}

/**
 * Where a `JobQueue` stores and runs its jobs: `inProcessEngine()` (the
 * default) or `redisEngine(…)` from `@palisade/queue/redis`. The engine is the
 * only option that changes when an app moves from one to the other.
 */
export interface JobEngine {
  /** `'in-process'` or `'redis'`. */
  readonly kind: string;
  /** Throws `InvalidOptionError` for queue options this engine cannot honour. */
  check?(config: JobQueueConfig): void;
  open(spec: EngineSpec): EngineQueue;
}
