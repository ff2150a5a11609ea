import { type BatchObservableCallback, createNoopMeter, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { DURATION_BUCKETS_SECONDS, disposeAll, instrumentationOptions, observeBatch } from '@palisade/core/internal';
import { ATTR_NAME, queueAttributes, SCOPE } from './otel-attributes.js';
import { ShardedQueue } from './sharded-queue.js';

/** What `instrumentQueue` takes. */
export interface QueueInstrumentationOptions {
  /**
   * The queue's name, the `palisade.queue.name` attribute of its series and
   * span events: one per queue you run, unique within the meter provider.
   * Keys never become attributes; shards do, as `palisade.queue.shard`.
   */
  readonly name: string;
  /**
   * Whether to record each task's duration (`palisade.queue.task.duration`),
   * the only instrument a task pays for: two clock reads and the SDK's
   * `record`. Without an SDK it costs nothing either way.
   * @default true
   */
  readonly durations?: boolean;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether a task turned away by `add` adds an event to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

/** What the API's no-op meter hands out: a histogram that is this one records nothing. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');

/**
 * Reports a `ShardedQueue` to OpenTelemetry: the backlog and the running
 * tasks of each shard, tasks by outcome and their duration, rejections by
 * reason, key handoffs, spills, resizes and the imbalance across shards,
 * and a span event for each task `add` turns away. Counts are read from
 * `stats()` (O(shards)) when metrics are collected; a task pays for its
 * duration only (two clock reads and a histogram record).
 *
 * Throws `InvalidArgumentError` when `queue` is not a `ShardedQueue`, and
 * `InvalidOptionError` for a bad option.
 */
export function instrumentQueue<K>(queue: ShardedQueue<K>, options: QueueInstrumentationOptions): IDisposable {
  if (!(queue instanceof ShardedQueue)) throw new InvalidArgumentError('queue', 'a ShardedQueue', queue);
  const checked = instrumentationOptions(options, ['durations']);
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents, durations = true } = checked;
  if (typeof durations !== 'boolean') throw new InvalidOptionError('durations', 'a boolean', durations);
  const meter = meterProvider.getMeter(SCOPE);
  const { own, with1, completed, failed, active, retiring, forShard } = queueAttributes(name);

  const backlog = meter.createObservableUpDownCounter('palisade.queue.backlog', {
    unit: '{task}',
    description: 'Tasks waiting to start on each shard (queued, or parked for a key moving to it).',
  });
  const running = meter.createObservableUpDownCounter('palisade.queue.active', {
    unit: '{task}',
    description: 'Tasks running on each shard.',
  });
  const waitingForRoom = meter.createObservableUpDownCounter('palisade.queue.waiting_for_room', {
    unit: '{task}',
    description: "Tasks waiting for room in a full queue (whenFull: 'wait'), not yet in a shard's backlog.",
  });
  const tasks = meter.createObservableCounter('palisade.queue.tasks', {
    unit: '{task}',
    description: 'Tasks that ran, by outcome: completed, failed (rejected, threw, timed out, aborted while running).',
  });
  const handoffs = meter.createObservableCounter('palisade.queue.handoffs', {
    unit: '{key}',
    description: 'Keys moved to another shard after a resize, once drained from the old one.',
  });
  const spills = meter.createObservableCounter('palisade.queue.spills', {
    unit: '{key}',
    description: 'Keys the bounded-load router placed past their first-choice shard, which was at capacity.',
  });
  const movingKeys = meter.createObservableUpDownCounter('palisade.queue.moving_keys', {
    unit: '{key}',
    description: 'Keys whose tasks are parked, waiting to move shards.',
  });
  const imbalance = meter.createObservableGauge('palisade.queue.imbalance', {
    unit: '1',
    description: "The busiest active shard's load (waiting + running) over the mean: 1 is perfect balance.",
  });
  const shards = meter.createObservableUpDownCounter('palisade.queue.shards', {
    unit: '{shard}',
    description: 'Shards: active, or retiring (removed, draining their last tasks).',
  });
  const observe: BatchObservableCallback = (result) => {
    const stats = queue.stats();
    let retiringShards = 0;
    for (const shard of stats.shards) {
      const attributes = forShard(shard.id);
      result.observe(backlog, shard.size, attributes);
      result.observe(running, shard.pending, attributes);
      if (shard.retiring) retiringShards++;
    }
    result.observe(waitingForRoom, stats.waitingForRoom, own);
    result.observe(tasks, stats.completed, completed);
    result.observe(tasks, stats.failed, failed);
    result.observe(handoffs, stats.handoffs, own);
    result.observe(spills, stats.spills, own);
    result.observe(movingKeys, stats.movingKeys, own);
    result.observe(imbalance, stats.imbalance, own);
    result.observe(shards, stats.shards.length - retiringShards, active);
    result.observe(shards, retiringShards, retiring);
  };
  const observables = [backlog, running, waitingForRoom, tasks, handoffs, spills, movingKeys, imbalance, shards];
  const handles: IDisposable[] = [observeBatch(meter, observe, observables)];

  const duration = meter.createHistogram('palisade.queue.task.duration', {
    unit: 's',
    description: 'How long each task ran, from its start (the time it waited is not in it), by outcome.',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const rejections = meter.createCounter('palisade.queue.rejections', {
    unit: '{task}',
    description: 'Tasks add turned away, by reason: full (with the limit reached: maxSize or maxShardSize), closed.',
  });
  const resizes = meter.createCounter('palisade.queue.resizes', {
    unit: '{resize}',
    description: 'Shards added or removed.',
  });
  const REASON = 'palisade.queue.reject.reason';
  const LIMIT = 'palisade.queue.reject.limit';
  const byRejection = {
    maxSize: Object.freeze({ [ATTR_NAME]: name, [REASON]: 'full', [LIMIT]: 'maxSize' }),
    maxShardSize: Object.freeze({ [ATTR_NAME]: name, [REASON]: 'full', [LIMIT]: 'maxShardSize' }),
    closed: with1(REASON, 'closed'),
  };
  const byChange = {
    added: with1('palisade.queue.resize.change', 'added'),
    removed: with1('palisade.queue.resize.change', 'removed'),
  };
  // With no SDK registered the histogram records nothing: then tasks are not even timed.
  if (durations && duration !== NOOP_HISTOGRAM) {
    handles.push(
      queue.onSuccess(({ duration: ms }) => duration.record(ms / 1000, completed)),
      queue.onFailure(({ duration: ms }) => duration.record(ms / 1000, failed)),
    );
  }
  handles.push(
    queue.onResize(({ change }) => resizes.add(1, byChange[change])),
    queue.onReject((event) => {
      const attributes = event.reason === 'full' ? byRejection[event.error.limit] : byRejection.closed;
      rejections.add(1, attributes);
      if (!traceEvents) return;
      const span = trace.getActiveSpan();
      if (span?.isRecording())
        span.addEvent('palisade.queue.reject', { ...attributes, 'error.type': event.error.code });
    }),
  );
  return disposeAll(handles);
}
