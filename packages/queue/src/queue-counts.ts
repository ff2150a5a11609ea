/**
 * The queue's task counts, shared by the parts that move a task from one
 * state to the next (admission, handoff, running, removal), so that each
 * reads and writes one number instead of summing over the shards.
 */
export class QueueCounts {
  /** Waiting to start: queued in a backend, or parked for a moving key. What `maxSize` bounds. */
  size = 0;
  /** Running. */
  pending = 0;
  /** Waiting for room (`whenFull: 'wait'`), not yet counted in `size`. */
  waitingForRoom = 0;
  /**
   * Running totals since the queue was created. Kept here, not summed over
   * the shards, so that they never go down when a removed shard disappears.
   */
  completed = 0;
  failed = 0;
}
