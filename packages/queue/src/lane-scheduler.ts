import type { ShardJob } from './backend.js';
import type { QueueKey } from './key.js';
import { MaxHeap } from './max-heap.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * One key's waiting jobs in a shard, first to last. With unordered keys there
 * is one lane per (key, priority), so priority orders a key's jobs too.
 */
class Lane<Job> extends RingBuffer<Job> {
  readonly key: QueueKey;
  readonly priority: number;
  running = 0;
  /**
   * The ring entry that currently stands for this lane, or 0 when the lane
   * is in no ring. Moving a lane to another ring issues a new ticket, which
   * turns the old entry stale instead of searching for it.
   */
  ticket = 0;

  constructor(key: QueueKey, priority: number) {
    super();
    this.key = key;
    this.priority = priority;
  }
}

/**
 * The lanes that can start a job at one priority, in turn order. A ring
 * outlives its turns at the top: when it runs dry it only leaves the heap of
 * priorities, and the next lane of its priority finds it ready (see
 * `IDLE_RINGS_KEPT`).
 */
class Ring<Job> {
  readonly #lanes = new RingBuffer<Lane<Job>>();
  readonly #tickets = new RingBuffer<number>();
  /** Whether its priority is in the scheduler's heap. */
  listed = false;

  push(lane: Lane<Job>, ticket: number): void {
    this.#lanes.push(lane);
    this.#tickets.push(ticket);
  }

  /** Takes the first entry that is still current, or undefined when none is. */
  shiftCurrent(): Lane<Job> | undefined {
    while (this.#lanes.size > 0) {
      const lane = this.#lanes.shift() as Lane<Job>;
      if (lane.ticket === this.#tickets.shift()) return lane;
    }
    return undefined;
  }
}

/**
 * Rings of priorities with nothing ready that a scheduler keeps for reuse.
 * Served lanes move between a few priority levels all the time, so dropping
 * a ring as soon as it runs dry and making a new one for the next lane of
 * its priority would cost an allocation and two map updates on most starts.
 * Past this many idle rings (many distinct priorities, such as timestamps),
 * the idle ones are dropped, so memory stays bounded by the priorities in use.
 */
const IDLE_RINGS_KEPT = 256;

/** Options of a `LaneScheduler`. */
export interface LaneSchedulerOptions {
  /** Jobs of one key (one lane) that may run at once. */
  readonly keyConcurrency: number;
  /** One lane per key (FIFO across priorities) when true; one per key and priority when false. */
  readonly orderedKeys: boolean;
}

/**
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
export class LaneScheduler<Job extends ShardJob> {
  readonly #keyConcurrency: number;
  readonly #orderedKeys: boolean;
  /** Ordered keys: lane by key. Unordered: lane by `priority` then key, in `#lanesByPriority`. */
  readonly #lanes = new Map<QueueKey, Lane<Job>>();
  readonly #lanesByPriority = new Map<number, Map<QueueKey, Lane<Job>>>();
  readonly #rings = new Map<number, Ring<Job>>();
  /** The priorities whose ring is listed (may have a ready lane); each appears once. */
  readonly #priorities = new MaxHeap();
  /** Rings kept while not listed. */
  #idleRings = 0;
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
    lane.push(job);
    this.#waiting++;
    if (lane.ticket === 0 && lane.running < this.#keyConcurrency) this.#enterRing(lane);
  }

  /** Takes the next job to start and counts it as running, or returns undefined when no lane is ready. */
  next(): Job | undefined {
    for (let priority = this.#priorities.peek(); priority !== undefined; priority = this.#priorities.peek()) {
      const ring = this.#rings.get(priority) as Ring<Job>;
      const lane = ring.shiftCurrent();
      if (lane === undefined) {
        this.#priorities.pop();
        this.#unlist(ring);
        continue;
      }
      lane.ticket = 0;
      this.#readyLanes--;
      const job = lane.shift() as Job;
      this.#waiting--;
      lane.running++;
      if (lane.size > 0 && lane.running < this.#keyConcurrency) this.#enterRing(lane);
      return job;
    }
    return undefined;
  }

  /** A job returned by `next()` has finished: its key may start another. */
  done(job: Job): void {
    const lane = this.#laneOf(job, false);
    if (lane === undefined || lane.running === 0) return;
    lane.running--;
    if (lane.size === 0) {
      if (lane.running === 0) this.#forget(lane);
    } else if (lane.ticket === 0 && lane.running < this.#keyConcurrency) {
      this.#enterRing(lane);
    }
  }

  cancel(job: Job): boolean {
    const lane = this.#laneOf(job, false);
    if (lane === undefined) return false;
    const index = lane.indexOf(job);
    if (index === -1) return false;
    lane.removeAt(index);
    const wasFirst = index === 0;
    this.#waiting--;
    if (lane.size === 0) {
      if (lane.ticket !== 0) {
        lane.ticket = 0;
        this.#readyLanes--;
      }
      if (lane.running === 0) this.#forget(lane);
    } else if (wasFirst && lane.ticket !== 0 && (lane.first() as Job).priority !== job.priority) {
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
      for (const job of lane.drain()) removed.push(job);
      lane.ticket = 0;
      if (lane.running === 0) this.#forget(lane);
    }
    this.#rings.clear();
    this.#priorities.clear();
    this.#idleRings = 0;
    this.#readyLanes = 0;
    this.#waiting = 0;
    return removed;
  }

  #enterRing(lane: Lane<Job>): void {
    if (lane.ticket === 0) this.#readyLanes++;
    const ticket = this.#nextTicket++;
    lane.ticket = ticket;
    const priority = (lane.first() as Job).priority;
    let ring = this.#rings.get(priority);
    if (ring === undefined) {
      ring = new Ring<Job>();
      this.#rings.set(priority, ring);
    } else if (!ring.listed) {
      this.#idleRings--;
    }
    if (!ring.listed) {
      ring.listed = true;
      this.#priorities.push(priority);
    }
    ring.push(lane, ticket);
  }

  /** A ring ran dry and left the heap: keep it for its priority's next lane, unless too many are idle. */
  #unlist(ring: Ring<Job>): void {
    ring.listed = false;
    if (++this.#idleRings <= IDLE_RINGS_KEPT) return;
    for (const [priority, idle] of this.#rings) if (!idle.listed) this.#rings.delete(priority);
    this.#idleRings = 0;
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
