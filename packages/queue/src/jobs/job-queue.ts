import {
  cancellationError,
  durationOption,
  type Event,
  EventEmitter,
  InvalidArgumentError,
  InvalidOptionError,
  oneOfOption,
  optionsObject,
} from '@palisade/core';
import { emitSafely } from '../condition.js';
import { QueueClosedError } from '../errors.js';
import { checkKey } from '../key.js';
import { checkTimeout, MAX_SHARDS, type WhenFull } from '../options.js';
import type { EngineQueue, JobEventSink, JobQueueConfig } from './engine.js';
import { UnknownHandlerError } from './errors.js';
import { inProcessEngine } from './in-process-engine.js';
import { checkJson } from './json.js';
import { type JobQueueOptions, rejectUnknownKeys, resolveJobOptions } from './options.js';
import type {
  AddJobOptions,
  JobCompletedEvent,
  JobDataLossEvent,
  JobFailedEvent,
  JobHandlers,
  JobHandoffEvent,
  JobMisrouteEvent,
  JobQueueStats,
  JobRedeliveredEvent,
  JobRejectEvent,
  JobResizeEvent,
  JobStalledEvent,
  PayloadOf,
  ResultOf,
  ResultOptions,
} from './types.js';

/** Job ids BullMQ accepts as custom ids and that read well in logs: no `:`, and not only digits. */
const JOB_ID_PATTERN = /^(?!\d+$)[A-Za-z0-9_.-]{1,200}$/;
const MAX_DELAY = 2 ** 31 - 1;

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

/**
 * A queue of data jobs: handlers registered by name, JSON payloads, and per
 * key order. The same code runs in process (the default engine) and across
 * processes on Redis (`engine: redisEngine({ connection })` from
 * `@palisade/queue/redis`); moving between them changes that one option.
 *
 * Closures cannot cross a process boundary, so this API takes a handler name
 * and a payload where `ShardedQueue` takes a function.
 */
export class JobQueue<Handlers extends JobHandlers> implements AsyncDisposable {
  readonly #config: JobQueueConfig;
  readonly #handlerNames: readonly string[];
  readonly #handlers: ReadonlySet<string>;
  readonly #engine: EngineQueue;
  readonly #engineKind: string;
  #closing: Promise<void> | undefined;

  readonly #completed = new EventEmitter<JobCompletedEvent>();
  readonly #failed = new EventEmitter<JobFailedEvent>();
  readonly #stalled = new EventEmitter<JobStalledEvent>();
  readonly #redelivered = new EventEmitter<JobRedeliveredEvent>();
  readonly #handoff = new EventEmitter<JobHandoffEvent>();
  readonly #resize = new EventEmitter<JobResizeEvent>();
  readonly #reject = new EventEmitter<JobRejectEvent>();
  readonly #misroute = new EventEmitter<JobMisrouteEvent>();
  readonly #dataLoss = new EventEmitter<JobDataLossEvent>();

  /** A job this process ran succeeded. */
  readonly onCompleted: Event<JobCompletedEvent> = this.#completed.addListener;
  /** An attempt this process ran failed; `willRetry` says whether another follows. */
  readonly onFailed: Event<JobFailedEvent> = this.#failed.addListener;
  /** This process put a job whose worker stopped back at the head of its shard (Redis only). */
  readonly onStalled: Event<JobStalledEvent> = this.#stalled.addListener;
  /** This process started a job that another start had left unfinished (Redis only). */
  readonly onRedelivered: Event<JobRedeliveredEvent> = this.#redelivered.addListener;
  /** Keys that moved in a resize drained from their old shards; their new shards run them now. */
  readonly onHandoff: Event<JobHandoffEvent> = this.#handoff.addListener;
  /** The shard set changed. */
  readonly onResize: Event<JobResizeEvent> = this.#resize.addListener;
  /** An `add` was turned away: the queue was full. */
  readonly onReject: Event<JobRejectEvent> = this.#reject.addListener;
  /** A job added with an outdated ring was forwarded to its key's current shard (Redis only). */
  readonly onMisroute: Event<JobMisrouteEvent> = this.#misroute.addListener;
  /** Redis came back without the queue's data: the jobs stored before are gone (Redis only). */
  readonly onDataLoss: Event<JobDataLossEvent> = this.#dataLoss.addListener;

  constructor(options: JobQueueOptions<Handlers>) {
    const { config, handlers, engine } = resolveJobOptions(options, () => inProcessEngine());
    this.#config = config;
    this.#handlerNames = [...handlers.keys()];
    this.#handlers = new Set(this.#handlerNames);
    this.#engineKind = engine.kind;
    const events: JobEventSink = {
      completed: (event) => emitSafely(this.#completed, event),
      failed: (event) => emitSafely(this.#failed, event),
      stalled: (event) => emitSafely(this.#stalled, event),
      redelivered: (event) => emitSafely(this.#redelivered, event),
      handoff: (event) => emitSafely(this.#handoff, event),
      resize: (event) => emitSafely(this.#resize, event),
      reject: (event) => emitSafely(this.#reject, event),
      misroute: (event) => emitSafely(this.#misroute, event),
      dataLoss: (event) => emitSafely(this.#dataLoss, event),
    };
    this.#engine = engine.open({ config, handlers, events });
  }

  /** The queue's name (its namespace on Redis). */
  get name(): string {
    return this.#config.name;
  }

  /** `'in-process'` or `'redis'`. */
  get engine(): string {
    return this.#engineKind;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Adds a job for handler `name` and resolves with its id once it is stored
   * (on Redis: written; in process: queued). The job runs after the earlier
   * jobs of its key.
   *
   * Throws at once for bad input: `UnknownHandlerError`, `PayloadNotJsonError`,
   * `InvalidArgumentError` (key, id), `InvalidOptionError` (options).
   * Rejects with `QueueFullError` (`whenFull: 'reject'`), `QueueClosedError`,
   * `QueueUnavailableError` (Redis did not answer within `commandTimeout`),
   * or the signal's cancellation error.
   */
  add<Name extends keyof Handlers & string>(
    name: Name,
    payload: PayloadOf<Handlers[Name]>,
    options: AddJobOptions,
  ): Promise<string> {
    if (typeof name !== 'string' || !this.#handlers.has(name)) throw new UnknownHandlerError(name, this.#handlerNames);
    checkJson(payload, 'payload');
    if (options === undefined) throw new InvalidArgumentError('options', 'an object with a key', options);
    const given = optionsObject('options', options);
    rejectUnknownKeys(given, ['key', 'id', 'priority', 'delay', 'whenFull', 'signal']);
    const key = checkKey(given.key, 'options.key');
    const id = given.id;
    if (id !== undefined && (typeof id !== 'string' || !JOB_ID_PATTERN.test(id))) {
      throw new InvalidOptionError(
        'id',
        '1 to 200 letters, digits, _, . or -, and not only digits (BullMQ reserves numeric ids)',
        id,
      );
    }
    const priority = given.priority ?? 0;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new InvalidOptionError('priority', 'a finite number', priority);
    }
    const delay = durationOption('delay', given.delay ?? 0, { min: 0, max: MAX_DELAY });
    if (this.#config.orderedKeys && (priority !== 0 || delay !== 0)) {
      throw new InvalidOptionError(
        priority !== 0 ? 'priority' : 'delay',
        "no value with keyOrder 'fifo': it would let a job overtake an earlier job of its key (use keyOrder 'none')",
        priority !== 0 ? priority : delay,
      );
    }
    const whenFull: WhenFull =
      given.whenFull === undefined
        ? this.#config.whenFull
        : oneOfOption('whenFull', given.whenFull, ['reject', 'wait']);
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal))
      throw new InvalidOptionError('signal', 'an AbortSignal', signal);
    if (this.#closing !== undefined) return Promise.reject(new QueueClosedError());
    if (signal?.aborted) return Promise.reject(cancellationError(signal));
    return this.#engine.add({ id, name, key, payload, priority, delay }, whenFull, signal);
  }

  /**
   * The job's result, once it has run: resolves with what its handler
   * returned (as JSON data), or rejects with `JobFailedError` when it ran out
   * of attempts, `JobNotFoundError` for an unknown id (or a result no longer
   * kept), `DeadlineExceededError` after `timeout`, or the signal's
   * cancellation error. Waiting never affects the job.
   */
  result<Name extends keyof Handlers & string = keyof Handlers & string>(
    id: string,
    options?: ResultOptions,
  ): Promise<ResultOf<Handlers[Name]>> {
    if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('id', 'a job id, as add returned it', id);
    const given = optionsObject('options', options);
    rejectUnknownKeys(given, ['signal', 'timeout']);
    const timeout = checkTimeout('timeout', given.timeout);
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal))
      throw new InvalidOptionError('signal', 'an AbortSignal', signal);
    return this.#engine.result(id, timeout, signal) as Promise<ResultOf<Handlers[Name]>>;
  }

  /**
   * Changes the number of shards to `count` while jobs flow: about 1/(n+1)
   * of the keys move when a shard is added, only the removed shards' keys
   * when one is removed, and a moving key's jobs on its old shard finish
   * before its jobs on the new shard start. Resolves when the moved keys
   * have been handed over.
   */
  resize(count: number, options?: { readonly signal?: AbortSignal }): Promise<void> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
      throw new InvalidArgumentError('count', `an integer in [1, ${MAX_SHARDS}]`, count);
    }
    const given = optionsObject('options', options);
    rejectUnknownKeys(given, ['signal']);
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal))
      throw new InvalidOptionError('signal', 'an AbortSignal', signal);
    if (this.#closing !== undefined) return Promise.reject(new QueueClosedError());
    return this.#engine.resize(count, signal);
  }

  /** A snapshot per shard: backlog, active, running totals, lease owner; and the imbalance across shards. */
  stats(): Promise<JobQueueStats> {
    return this.#engine.stats();
  }

  /**
   * Stops adding and lets go without losing a job. In process, the jobs that
   * wait run first (nobody else could run them). On Redis, running jobs
   * finish (a job waiting out a retry backoff goes back to the head of its
   * shard), the shard leases are released for other workers to take, and
   * waiting jobs stay in Redis. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#engine.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
