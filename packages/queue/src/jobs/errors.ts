import { InvalidArgumentError, PalisadeError } from '@palisade/core';

/**
 * `add` named a handler the queue does not know: a bad argument, so an
 * `InvalidArgumentError` with core's code. Nothing was queued.
 */
export class UnknownHandlerError extends InvalidArgumentError {
  override readonly name: string = 'UnknownHandlerError';
  /** The handler names the queue knows. */
  readonly known: readonly string[];

  constructor(received: unknown, known: readonly string[]) {
    super(
      'name',
      known.length === 0
        ? 'the name of a handler, but the queue has none (pass them as the handlers option)'
        : `the name of a handler: ${known.map((name) => JSON.stringify(name)).join(', ')}`,
      received,
    );
    this.known = known;
  }
}

/**
 * A payload is not plain JSON data, so it would not arrive as it was sent:
 * a bad argument, so an `InvalidArgumentError` with core's code. `path`
 * points at the first offending value (`payload.items[2].at`). Nothing was
 * queued.
 */
export class PayloadNotJsonError extends InvalidArgumentError {
  override readonly name: string = 'PayloadNotJsonError';
  /** Where in the value the problem is, from the argument's name down. */
  readonly path: string;

  constructor(path: string, problem: string, received: unknown) {
    super(path, `JSON data (null, booleans, finite numbers, strings, arrays and plain objects): ${problem}`, received);
    this.path = path;
  }
}

/**
 * The job ran out of attempts. `cause` is the last attempt's error: the error
 * object itself in process, a copy with its `name`, `message` and `stack`
 * from Redis.
 */
export class JobFailedError extends PalisadeError {
  override readonly name: string = 'JobFailedError';
  declare readonly code: 'ERR_PALISADE_QUEUE_JOB_FAILED';
  readonly jobId: string;
  /** Attempts the job made. */
  readonly attempts: number;

  constructor(jobId: string, attempts: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ERR_PALISADE_QUEUE_JOB_FAILED', `Job ${jobId} failed after ${attempts} attempt(s): ${reason}`, { cause });
    this.jobId = jobId;
    this.attempts = attempts;
  }
}

/**
 * No job has this id: it was never added, or it finished so long ago that its
 * result was dropped (see `keepResults`).
 */
export class JobNotFoundError extends PalisadeError {
  override readonly name: string = 'JobNotFoundError';
  declare readonly code: 'ERR_PALISADE_QUEUE_JOB_NOT_FOUND';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      'ERR_PALISADE_QUEUE_JOB_NOT_FOUND',
      `No job with id ${JSON.stringify(jobId)}: it was never added, or its result is no longer kept (raise keepResults).`,
    );
    this.jobId = jobId;
  }
}

/**
 * The job was taken from this worker before it asked for its fencing token:
 * its lock expired (the process was frozen, or its event loop blocked, past
 * `lockDuration`) and another worker runs the job now. Stop: whatever this
 * attempt would write is stale.
 */
export class JobLostError extends PalisadeError {
  override readonly name: string = 'JobLostError';
  declare readonly code: 'ERR_PALISADE_QUEUE_JOB_LOST';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      'ERR_PALISADE_QUEUE_JOB_LOST',
      `Job ${jobId} is no longer this worker's: its lock expired and another worker runs it. This attempt should stop without writing.`,
    );
    this.jobId = jobId;
  }
}

/** What a failed call to Redis left behind. */
export type Persisted = 'no' | 'unknown';

/**
 * Redis did not answer within `commandTimeout`. `persisted` says what became
 * of the write: `'no'` means it was never sent; `'unknown'` means it was sent
 * and may have been stored (then the job will run). Adding again with the
 * same `id` is safe in both cases: a job id that exists is not added twice.
 */
export class QueueUnavailableError extends PalisadeError {
  override readonly name: string = 'QueueUnavailableError';
  declare readonly code: 'ERR_PALISADE_QUEUE_UNAVAILABLE';
  readonly persisted: Persisted;
  /** The job id the failed `add` used, or undefined for other calls. */
  readonly jobId: string | undefined;

  constructor(operation: string, timeout: number, persisted: Persisted, jobId?: string, cause?: unknown) {
    super(
      'ERR_PALISADE_QUEUE_UNAVAILABLE',
      `Redis did not complete ${operation} within ${timeout} ms (commandTimeout). ${
        persisted === 'no'
          ? 'Nothing was written.'
          : 'The write may or may not have been stored; adding again with the same id is safe.'
      }`,
      { cause },
    );
    this.persisted = persisted;
    this.jobId = jobId;
  }
}
