import type { ShardJob } from './backend.js';
import type { QueueKey } from './key.js';
import type { LaneSchedulerOptions } from './lane-scheduler.js';
import { MaxHeap } from './max-heap.js';

/**
 * One key's waiting jobs in a shard, first to last. With unordered keys there
 * is one lane per (key, priority), so priority orders a key's jobs too.
 */
class Lane<Job> {
  readonly key: QueueKey;
  readonly priority: number;
  /** Live jobs are `items[head…]`; slots before `head` were taken and cleared. */
  items: (Job | undefined)[] = [];
  head = 0;
  running = 0;
  /**
   * The ring entry that currently stands for this lane, or 0 when the lane
   * is in no ring. Moving a lane to another ring issues a new ticket, which
   * turns the old entry stale instead of searching for it.
   */
  ticket = 0;

  constructor(key: QueueKey, priority: number) {
    this.key = key;
    this.priority = priority;
  }

  get waiting(): number {
    return this.items.length - this.head;
  }

  first(): Job {
    return this.items[this.head] as Job;
  }

  takeFirst(): Job {
    const job = this.items[this.head] as Job;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 32 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return job;
  }
}

/** The lanes that can start a job at one priority, in turn order. */
class Ring<Job> {
  lanes: (Lane<Job> | undefined)[] = [];
  tickets: number[] = [];
  head = 0;

  get isEmpty(): boolean {
    return this.head === this.lanes.length;
  }

  push(lane: Lane<Job>, ticket: number): void {
    this.lanes.push(lane);
    this.tickets.push(ticket);
  }

  /** Takes the first entry that is still current, or undefined when none is. */
  shiftCurrent(): Lane<Job> | undefined {
    const { lanes, tickets } = this;
    while (this.head < lanes.length) {
      const lane = lanes[this.head] as Lane<Job>;
      const ticket = tickets[this.head] as number;
      lanes[this.head++] = undefined;
      if (lane.ticket === ticket) {
        this.#compact();
        return lane;
      }
    }
    this.#compact();
    return undefined;
  }

  #compact(): void {
    if (this.head === this.lanes.length) {
      this.lanes.length = 0;
      this.tickets.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.lanes.length) {
      this.lanes.splice(0, this.head);
      this.tickets.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * The lane scheduler as it was before its lanes and rings moved to circular
 * buffers and its rings were kept for reuse: plain arrays with a moving head,
 * and a ring dropped as soon as it ran dry. Kept as the reference that the
 * property test holds the current one to, decision for decision.
 *
 * Decides which waiting job of a shard starts next: the highest priority
 * first, and among keys of one priority, round-robin. Each key is a FIFO lane
 * that is "ready" while it has jobs and fewer than `keyConcurrency` running.
 * Ready lanes wait in one ring per priority; serving a lane moves it to the
 * back of its ring, which is what keeps one busy key from starving the rest.
 *
 * Costs: `push`, `next` and `done` are O(1) plus O(log p) when a priority
 * level appears or empties (p distinct priorities waiting), independent of
 * the backlog. `cancel` is O(length of the key's lane).
 */
export class ReferenceLaneScheduler<Job extends ShardJob> {
  readonly #keyConcurrency: number;
  readonly #orderedKeys: boolean;
  /** Ordered keys: lane by key. Unordered: lane by `priority` then key, in `#lanesByPriority`. */
  readonly #lanes = new Map<QueueKey, Lane<Job>>();
  readonly #lanesByPriority = new Map<number, Map<QueueKey, Lane<Job>>>();
  readonly #rings = new Map<number, Ring<Job>>();
  /** The priorities that have a ring; each appears once. */
  readonly #priorities = new MaxHeap();
  #nextTicket = 1;
  #waiting = 0;
  #readyLanes = 0;

  constructor(options: LaneSchedulerOptions) {
    this.#keyConcurrency = options.keyConcurrency;
    this.#orderedKeys = options.orderedKeys;
  }

  /** Jobs waiting to start. */
  get size(): number {
    return this.#waiting;
  }

  /** Whether `next()` would return a job. */
  get hasReady(): boolean {
    return this.#readyLanes > 0;
  }

  push(job: Job): void {
    const lane = this.#laneOf(job, true) as Lane<Job>;
    lane.items.push(job);
    this.#waiting++;
    if (lane.ticket === 0 && lane.running < this.#keyConcurrency) this.#enterRing(lane);
  }

  /** Takes the next job to start and counts it as running, or returns undefined when no lane is ready. */
  next(): Job | undefined {
    for (let priority = this.#priorities.peek(); priority !== undefined; priority = this.#priorities.peek()) {
      const ring = this.#rings.get(priority) as Ring<Job>;
      const lane = ring.shiftCurrent();
      if (lane === undefined) {
        this.#rings.delete(priority);
        this.#priorities.pop();
        continue;
      }
      lane.ticket = 0;
      this.#readyLanes--;
      const job = lane.takeFirst();
      this.#waiting--;
      lane.running++;
      if (lane.waiting > 0 && lane.running < this.#keyConcurrency) this.#enterRing(lane);
      return job;
    }
    return undefined;
  }

  /** A job returned by `next()` has finished: its key may start another. */
  done(job: Job): void {
    const lane = this.#laneOf(job, false);
    if (lane === undefined || lane.running === 0) return;
    lane.running--;
    if (lane.waiting === 0) {
      if (lane.running === 0) this.#forget(lane);
    } else if (lane.ticket === 0 && lane.running < this.#keyConcurrency) {
      this.#enterRing(lane);
    }
  }

  cancel(job: Job): boolean {
    const lane = this.#laneOf(job, false);
    if (lane === undefined) return false;
    const index = lane.items.indexOf(job, lane.head);
    if (index === -1) return false;
    const wasFirst = index === lane.head;
    if (wasFirst) lane.takeFirst();
    else lane.items.splice(index, 1);
    this.#waiting--;
    if (lane.waiting === 0) {
      if (lane.ticket !== 0) {
        lane.ticket = 0;
        this.#readyLanes--;
      }
      if (lane.running === 0) this.#forget(lane);
    } else if (wasFirst && lane.ticket !== 0 && lane.first().priority !== job.priority) {
      // The new first job decides which ring the lane belongs in.
      this.#enterRing(lane);
    }
    return true;
  }

  clear(): Job[] {
    const removed: Job[] = [];
    const lanes = this.#orderedKeys
      ? [...this.#lanes.values()]
      : [...this.#lanesByPriority.values()].flatMap((byKey) => [...byKey.values()]);
    for (const lane of lanes) {
      for (let i = lane.head; i < lane.items.length; i++) removed.push(lane.items[i] as Job);
      lane.items = [];
      lane.head = 0;
      lane.ticket = 0;
      if (lane.running === 0) this.#forget(lane);
    }
    this.#rings.clear();
    this.#priorities.clear();
    this.#readyLanes = 0;
    this.#waiting = 0;
    return removed;
  }

  #enterRing(lane: Lane<Job>): void {
    if (lane.ticket === 0) this.#readyLanes++;
    const ticket = this.#nextTicket++;
    lane.ticket = ticket;
    const priority = lane.first().priority;
    let ring = this.#rings.get(priority);
    if (ring === undefined) {
      ring = new Ring<Job>();
      this.#rings.set(priority, ring);
      this.#priorities.push(priority);
    }
    ring.push(lane, ticket);
  }

  #laneOf(job: Job, create: boolean): Lane<Job> | undefined {
    if (this.#orderedKeys) {
      let lane = this.#lanes.get(job.key);
      if (lane === undefined && create) {
        lane = new Lane<Job>(job.key, Number.NaN);
        this.#lanes.set(job.key, lane);
      }
      return lane;
    }
    let byKey = this.#lanesByPriority.get(job.priority);
    if (byKey === undefined) {
      if (!create) return undefined;
      byKey = new Map();
      this.#lanesByPriority.set(job.priority, byKey);
    }
    let lane = byKey.get(job.key);
    if (lane === undefined && create) {
      lane = new Lane<Job>(job.key, job.priority);
      byKey.set(job.key, lane);
    }
    return lane;
  }

  #forget(lane: Lane<Job>): void {
    if (this.#orderedKeys) {
      this.#lanes.delete(lane.key);
      return;
    }
    const byKey = this.#lanesByPriority.get(lane.priority);
    byKey?.delete(lane.key);
    if (byKey?.size === 0) this.#lanesByPriority.delete(lane.priority);
  }
}
