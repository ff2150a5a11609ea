import { type Closable, cancellationError, type Event, InvalidArgumentError, isAbortSignal } from '@palisade/core';
import { LazyEmitters, MAX_TIMER_DELAY } from '@palisade/core/internal';
import { callOptions, rejectUnknownCallOptions } from '../call-options.js';
import { QueueClosedError } from '../errors.js';
import { checkKey } from '../key.js';
import { MAX_SHARDS } from '../options.js';
import type { EngineQueue, JobEventSink, JobQueueConfig } from './engine.js';
import { UnknownHandlerError } from './errors.js';
import { inProcessEngine } from './in-process-engine.js';
import { checkJson } from './json.js';
import { type JobQueueOptions, resolveJobOptions } from './options.js';
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

/** The queue's events by name, as its `LazyEmitters` holds them. */
interface JobQueueEvents {
  readonly completed: JobCompletedEvent;
  readonly failed: JobFailedEvent;
  readonly stalled: JobStalledEvent;
  readonly redelivered: JobRedeliveredEvent;
  readonly handoff: JobHandoffEvent;
  readonly resize: JobResizeEvent;
  readonly reject: JobRejectEvent;
  readonly misroute: JobMisrouteEvent;
  readonly dataLoss: JobDataLossEvent;
}

/** Job ids BullMQ accepts as custom ids and that read well in logs: no `:`, and not only digits. */
const JOB_ID_PATTERN = /^(?!\d+$)[A-Za-z0-9_.-]{1,200}$/;
/** BullMQ keeps a queue's own keys beside its jobs' (`<prefix>:<queue>:wait`): a job id must not be one of their names. */
const RESERVED_IDS = new Set([
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
]);

/**
 * A queue of data jobs: handlers registered by name, JSON payloads, and per
 * key order. The same code runs in process (the default engine) and across
 * processes on Redis (`engine: redisEngine({ connection })` from
 * `@palisade/queue/redis`); moving between them changes that one option.
 *
 * Closures cannot cross a process boundary, so this API takes a handler name
 * and a payload where `ShardedQueue` takes a function.
 */
export class JobQueue<Handlers extends JobHandlers> implements Closable {
  readonly #config: JobQueueConfig;
  readonly #handlerNames: readonly string[];
  readonly #handlers: ReadonlySet<string>;
  readonly #engine: EngineQueue;
  readonly #engineKind: string;
  #closing: Promise<void> | undefined;

  readonly #events = new LazyEmitters<JobQueueEvents>();

  /** A job this process ran succeeded. */
  get onCompleted(): Event<JobCompletedEvent> {
    return this.#events.on('completed');
  }

  /** An attempt this process ran failed; `willRetry` says whether another follows. */
  get onFailed(): Event<JobFailedEvent> {
    return this.#events.on('failed');
  }

  /** This process put a job whose worker stopped back at the head of its shard (Redis only). */
  get onStalled(): Event<JobStalledEvent> {
    return this.#events.on('stalled');
  }

  /** This process started a job that another start had left unfinished (Redis only). */
  get onRedelivered(): Event<JobRedeliveredEvent> {
    return this.#events.on('redelivered');
  }

  /** Keys that moved in a resize drained from their old shards; their new shards run them now. */
  get onHandoff(): Event<JobHandoffEvent> {
    return this.#events.on('handoff');
  }

  /** The shard set changed. */
  get onResize(): Event<JobResizeEvent> {
    return this.#events.on('resize');
  }

  /** An `add` was turned away: the queue was full or closed. */
  get onReject(): Event<JobRejectEvent> {
    return this.#events.on('reject');
  }

  /** A job added with an outdated ring was forwarded to its key's current shard (Redis only). */
  get onMisroute(): Event<JobMisrouteEvent> {
    return this.#events.on('misroute');
  }

  /** Redis came back without the queue's data: the jobs stored before are gone (Redis only). */
  get onDataLoss(): Event<JobDataLossEvent> {
    return this.#events.on('dataLoss');
  }

  constructor(options: JobQueueOptions<Handlers>) {
    const { config, handlers, engine } = resolveJobOptions(options, () => inProcessEngine());
    this.#config = config;
    this.#handlerNames = [...handlers.keys()];
    this.#handlers = new Set(this.#handlerNames);
    this.#engineKind = engine.kind;
    const emit =
      <K extends keyof JobQueueEvents>(name: K) =>
      (event: JobQueueEvents[K]): void =>
        this.#events.emit(name, event);
    const events: JobEventSink = {
      completed: emit('completed'),
      failed: emit('failed'),
      stalled: emit('stalled'),
      redelivered: emit('redelivered'),
      handoff: emit('handoff'),
      resize: emit('resize'),
      reject: emit('reject'),
      misroute: emit('misroute'),
      dataLoss: emit('dataLoss'),
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
   * `InvalidArgumentError` (a bad key or option, named `options.<key>`).
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
    const given = callOptions(options);
    rejectUnknownCallOptions(given, ['key', 'id', 'priority', 'delay', 'whenFull', 'signal']);
    const key = checkKey(given.key, 'options.key');
    const id = given.id;
    if (id !== undefined && (typeof id !== 'string' || !JOB_ID_PATTERN.test(id) || RESERVED_IDS.has(id))) {
      throw new InvalidArgumentError(
        'options.id',
        '1 to 200 letters, digits, _, . or -, not only digits, and not a name BullMQ uses for its own keys',
        id,
      );
    }
    const priority = given.priority ?? 0;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new InvalidArgumentError('options.priority', 'a finite number', priority);
    }
    const delay = given.delay ?? 0;
    if (typeof delay !== 'number' || !(delay >= 0 && delay <= MAX_TIMER_DELAY)) {
      throw new InvalidArgumentError('options.delay', `a duration in milliseconds in [0, ${MAX_TIMER_DELAY}]`, delay);
    }
    if (this.#config.orderedKeys && (priority !== 0 || delay !== 0)) {
      throw new InvalidArgumentError(
        priority !== 0 ? 'options.priority' : 'options.delay',
        "no value with keyOrder 'fifo': it would let a job overtake an earlier job of its key (use keyOrder 'none')",
        priority !== 0 ? priority : delay,
      );
    }
    const whenFull = given.whenFull ?? this.#config.whenFull;
    if (whenFull !== 'reject' && whenFull !== 'wait') {
      throw new InvalidArgumentError('options.whenFull', '"reject" or "wait"', whenFull);
    }
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
    }
    if (this.#closing !== undefined) {
      const error = new QueueClosedError();
      this.#events.emit('reject', { reason: 'closed', name, key, error });
      return Promise.reject(error);
    }
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
    const given = callOptions(options ?? {});
    rejectUnknownCallOptions(given, ['signal', 'timeout']);
    const timeout = given.timeout ?? Number.POSITIVE_INFINITY;
    if (
      typeof timeout !== 'number' ||
      !(timeout > 0 && (timeout <= MAX_TIMER_DELAY || timeout === Number.POSITIVE_INFINITY))
    ) {
      throw new InvalidArgumentError(
        'options.timeout',
        `a duration in milliseconds in (0, ${MAX_TIMER_DELAY}], or Infinity`,
        timeout,
      );
    }
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
    }
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
    const given = callOptions(options ?? {});
    rejectUnknownCallOptions(given, ['signal']);
    const signal = given.signal;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
    }
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
