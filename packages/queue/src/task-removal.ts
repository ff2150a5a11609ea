import type { Admission } from './admission.js';
import type { KeyHandoff } from './key-handoff.js';
import type { QueueCounts } from './queue-counts.js';
import { TaskPhase } from './queued-task.js';
import type { ShardRouting } from './shard-routing.js';
import type { Task } from './shard-state.js';

/**
 * Takes tasks that have not started out of wherever they wait (waiting for
 * room, parked for a moving key, or queued in a backend): for a task whose
 * signal aborted, and for `clear()` and `close()`.
 */
export class TaskRemoval {
  readonly #counts: QueueCounts;
  readonly #routing: ShardRouting;
  readonly #admission: Admission;
  readonly #keys: KeyHandoff | undefined;

  constructor(counts: QueueCounts, routing: ShardRouting, admission: Admission, keys: KeyHandoff | undefined) {
    this.#counts = counts;
    this.#routing = routing;
    this.#admission = admission;
    this.#keys = keys;
  }

  /** Takes a task that has not started out of wherever it waits. False if it is not waiting. */
  unlink(job: Task): boolean {
    const shard = this.#routing.shardOf(job);
    switch (job.phase) {
      case TaskPhase.waitingForRoom:
        this.#admission.leave(job, shard);
        break;
      case TaskPhase.parked:
        if (this.#keys === undefined || !this.#keys.unpark(job)) return false;
        this.#counts.size--;
        break;
      case TaskPhase.queued:
        if (!shard.backend.cancel(job)) return false;
        shard.queued--;
        this.#counts.size--;
        this.#keys?.left(job.key);
        break;
      default:
        return false;
    }
    job.extras?.stopListening?.();
    job.phase = TaskPhase.settled;
    return true;
  }

  /** Rejects every task that has not started with `error`, marked handled. Returns how many. */
  removeAll(error: Error): number {
    let removed = 0;
    const shards = this.#routing.all();
    // Waiting and parked tasks first: removing queued ones can complete a
    // handoff, which would queue the parked tasks it releases.
    for (const shard of shards) {
      for (const job of shard.roomWaiters.drain()) {
        if (job.phase !== TaskPhase.waitingForRoom) continue;
        this.unlink(job);
        job.rejectHandled(error);
        removed++;
      }
    }
    for (const job of this.#keys?.parkedTasks() ?? []) {
      this.unlink(job);
      job.rejectHandled(error);
      removed++;
    }
    for (const shard of shards) {
      for (const job of shard.backend.clear()) {
        if (job.phase !== TaskPhase.queued) continue;
        shard.queued--;
        this.#counts.size--;
        this.#keys?.left(job.key);
        job.extras?.stopListening?.();
        job.rejectHandled(error);
        removed++;
      }
    }
    for (const shard of shards) this.#routing.retireIfEmpty(shard);
    return removed;
  }
}
