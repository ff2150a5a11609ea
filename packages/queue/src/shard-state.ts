import type { BackendShard } from './backend.js';
import { Fifo } from './fifo.js';
import { type QueuedTask, TaskPhase } from './queued-task.js';
import type { ThroughputMeter } from './throughput.js';

/** A task as the queue holds it: its promise. */
export type Task = QueuedTask<unknown>;

/** The queue's own bookkeeping for one shard; the backend holds the tasks themselves. */
export class ShardState {
  readonly id: number;
  readonly backend: BackendShard<Task>;
  readonly meter: ThroughputMeter;
  /** Tasks in the backend, waiting to start. */
  queued = 0;
  /** Tasks routed here, waiting for their key to drain from its previous shard. */
  parked = 0;
  running = 0;
  /** Tasks waiting for room here, in `roomWaiters` (which may also hold settled tasks, skipped when reached). */
  waitingForRoom = 0;
  readonly roomWaiters = new Fifo<Task>();
  added = 0;
  completed = 0;
  failed = 0;
  /** Set by `removeShard`: no new keys come here, and the shard closes once it is empty. */
  retirement: { readonly resolve: () => void } | undefined;

  constructor(id: number, backend: BackendShard<Task>, meter: ThroughputMeter) {
    this.id = id;
    this.backend = backend;
    this.meter = meter;
  }

  /** What `maxShardSize` bounds. */
  get size(): number {
    return this.queued + this.parked;
  }

  /** What the bounded-load router balances. */
  get load(): number {
    return this.queued + this.parked + this.running;
  }

  get retiring(): boolean {
    return this.retirement !== undefined;
  }

  /** Hands a task to this shard's backend, to start when the backend says. */
  enqueue(job: Task): void {
    job.phase = TaskPhase.queued;
    job.shardId = this.id;
    this.queued++;
    this.backend.enqueue(job);
  }
}
