import { type BatchObservableCallback, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { DURATION_BUCKETS_SECONDS, disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { JobQueue } from './jobs/job-queue.js';
import type { JobHandlers } from './jobs/types.js';
import { queueAttributes, SCOPE } from './otel-attributes.js';

/** What `instrumentJobQueue` takes. */
export interface JobQueueInstrumentationOptions {
  /**
   * The `palisade.queue.name` attribute of the queue's series and span
   * events: one per queue, unique within the meter provider. Keys, job ids
   * and handler names never become attributes; shards do.
   */
  readonly name: string;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether an `add` turned away, or a job redelivered, adds an event to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

/**
 * Reports a `JobQueue` (in process or on Redis) to OpenTelemetry: each
 * shard's backlog and running jobs, jobs finished by outcome, the imbalance,
 * the workers and the shards (its `stats()`, read when metrics are
 * collected: one round of Redis commands per collection on Redis), and, for
 * the jobs this process runs, attempt durations, retries, redeliveries,
 * stalls, rejections, handoffs, resizes, misroutes and data losses.
 *
 * Throws `InvalidArgumentError` when `queue` is not a `JobQueue`, and
 * `InvalidOptionError` for a bad option.
 */
export function instrumentJobQueue<H extends JobHandlers>(
  queue: JobQueue<H>,
  options: JobQueueInstrumentationOptions,
): IDisposable {
  if (!(queue instanceof JobQueue)) throw new InvalidArgumentError('queue', 'a JobQueue', queue);
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents } = instrumentationOptions(options);
  const meter = meterProvider.getMeter(SCOPE);
  const { own, with1, completed, failed, active, retiring, forShard } = queueAttributes(name);

  const backlog = meter.createObservableUpDownCounter('palisade.queue.job.backlog', {
    unit: '{job}',
    description: 'Jobs waiting to start on each shard (delayed ones included).',
  });
  const running = meter.createObservableUpDownCounter('palisade.queue.job.active', {
    unit: '{job}',
    description: "Jobs running on each shard (on Redis, a crashed worker's job until it is redelivered).",
  });
  const finished = meter.createObservableCounter('palisade.queue.job.finished', {
    unit: '{job}',
    description: 'Jobs finished, by outcome: completed, failed (for good, after their attempts).',
  });
  const imbalance = meter.createObservableGauge('palisade.queue.job.imbalance', {
    unit: '1',
    description: "The busiest active shard's backlog + active over the mean: 1 is perfect balance.",
  });
  const workers = meter.createObservableUpDownCounter('palisade.queue.job.workers', {
    unit: '{process}',
    description: 'Worker processes alive (1 in process).',
  });
  const shards = meter.createObservableUpDownCounter('palisade.queue.job.shards', {
    unit: '{shard}',
    description: 'Shards: active, or retiring (removed by a resize, still draining).',
  });
  // On Redis, stats() is a round of commands: the SDK awaits it, with its own collection timeout.
  const observe: BatchObservableCallback = async (result) => {
    const stats = await queue.stats();
    let retiringShards = 0;
    for (const shard of stats.shards) {
      const attributes = forShard(shard.id);
      result.observe(backlog, shard.backlog, attributes);
      result.observe(running, shard.active, attributes);
      if (shard.retiring) retiringShards++;
    }
    result.observe(finished, stats.completed, completed);
    result.observe(finished, stats.failed, failed);
    result.observe(imbalance, stats.imbalance, own);
    result.observe(workers, stats.workers, own);
    result.observe(shards, stats.shards.length - retiringShards, active);
    result.observe(shards, retiringShards, retiring);
  };
  const observables = [backlog, running, finished, imbalance, workers, shards];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

  const duration = meter.createHistogram('palisade.queue.job.duration', {
    unit: 's',
    description: 'How long each attempt this process ran took, by outcome: completed, failed.',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const counter = (metric: string, unit: string, description: string) =>
    meter.createCounter(metric, { unit, description });
  const retries = counter(
    'palisade.queue.job.retries',
    '{attempt}',
    'Failed attempts this process ran that another attempt follows.',
  );
  const redeliveries = counter(
    'palisade.queue.job.redeliveries',
    '{job}',
    'Jobs this process started that an earlier start left unfinished (its worker died or lost its lock).',
  );
  const stalls = counter(
    'palisade.queue.job.stalls',
    '{job}',
    'Jobs whose worker stopped renewing its lock, put back by this process.',
  );
  const rejections = counter('palisade.queue.job.rejections', '{job}', 'Adds turned away, by reason: full, closed.');
  const handoffs = counter('palisade.queue.job.handoffs', '{handoff}', 'Moved keys now running on their new shards.');
  const resizes = counter('palisade.queue.job.resizes', '{resize}', 'Ring switches made by this process.');
  const misroutes = counter(
    'palisade.queue.job.misroutes',
    '{job}',
    'Jobs added with an old ring, forwarded to their key’s shard.',
  );
  const dataLosses = counter(
    'palisade.queue.job.data_losses',
    '{event}',
    'Times Redis came back without the queue’s data.',
  );
  const byReason = {
    full: with1('palisade.queue.reject.reason', 'full'),
    closed: with1('palisade.queue.reject.reason', 'closed'),
  };
  const span = () => {
    if (!traceEvents) return undefined;
    const active = trace.getActiveSpan();
    return active?.isRecording() ? active : undefined;
  };
  handles.push(
    queue.onCompleted(({ duration: ms }) => duration.record(ms / 1000, completed)),
    queue.onFailed(({ duration: ms, willRetry }) => {
      duration.record(ms / 1000, failed);
      if (willRetry) retries.add(1, own);
    }),
    queue.onRedelivered(({ shard, deliveries }) => {
      redeliveries.add(1, own);
      span()?.addEvent('palisade.queue.job.redelivered', {
        ...forShard(shard),
        'palisade.queue.job.deliveries': deliveries,
      });
    }),
    queue.onStalled(() => stalls.add(1, own)),
    queue.onReject(({ reason, error }) => {
      rejections.add(1, byReason[reason]);
      span()?.addEvent('palisade.queue.reject', { ...byReason[reason], 'error.type': error.code });
    }),
    queue.onHandoff(() => handoffs.add(1, own)),
    queue.onResize(() => resizes.add(1, own)),
    queue.onMisroute(() => misroutes.add(1, own)),
    queue.onDataLoss(() => dataLosses.add(1, own)),
  );
  return disposeAll(handles);
}
