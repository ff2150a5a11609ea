/**
 * Real OpenTelemetry SDK metrics and spans for the tests of every package's
 * `otel` subpath: one copy, as redis-test.ts is for the Redis tests.
 */
import { type Attributes, context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll } from 'vitest';

/** A reader that collects only when asked: the test decides when metrics are read. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A real SDK MeterProvider whose metrics a test reads back. */
export class TestMetrics {
  readonly reader = new OnDemandReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  async collect(): Promise<MetricData[]> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw errors[0];
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  }

  /** The metric named `name`, or undefined if it has no points. */
  async metric(name: string): Promise<MetricData | undefined> {
    return (await this.collect()).find((metric) => metric.descriptor.name === name);
  }

  /** The value of the point of `name` whose attributes include `attributes` (undefined if none). */
  async value(name: string, attributes: Attributes = {}): Promise<number | undefined> {
    const metric = await this.metric(name);
    if (metric === undefined || metric.dataPointType === DataPointType.HISTOGRAM) return undefined;
    const point = metric.dataPoints.find((p) => matches(p.attributes, attributes));
    return point?.value as number | undefined;
  }

  /** Count and sum of the histogram point of `name` whose attributes include `attributes`. */
  async histogram(name: string, attributes: Attributes = {}): Promise<{ count: number; sum: number } | undefined> {
    const metric = await this.metric(name);
    if (metric?.dataPointType !== DataPointType.HISTOGRAM) return undefined;
    const point = metric.dataPoints.find((p) => matches(p.attributes, attributes));
    return point === undefined ? undefined : { count: point.value.count, sum: point.value.sum ?? Number.NaN };
  }

  /** Every point of `name`, as `attributes → value`, for checking that nothing else is there. */
  async points(name: string): Promise<{ attributes: Attributes; value: unknown }[]> {
    const metric = await this.metric(name);
    return metric === undefined ? [] : metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
  }
}

const matches = (actual: Attributes, wanted: Attributes): boolean =>
  Object.entries(wanted).every(([key, value]) => actual[key] === value);

/**
 * Real spans: a TracerProvider with an in-memory exporter, and the
 * AsyncLocalStorage context manager installed for the tests of the file, so
 * that `trace.getActiveSpan()` inside the primitives sees the test's span.
 */
export function testTracing(): { tracer: () => Tracer; finished: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });
  return {
    tracer: () => provider.getTracer('test'),
    finished: () => {
      const spans = exporter.getFinishedSpans();
      exporter.reset();
      return spans;
    },
  };
}

/** Runs `fn` inside a new active span, ends it, and returns the span's events as `name {attributes}`. */
export async function eventsWithin(
  tracing: ReturnType<typeof testTracing>,
  fn: () => Promise<unknown>,
): Promise<{ name: string; attributes: Attributes | undefined }[]> {
  await tracing.tracer().startActiveSpan('request', async (span) => {
    try {
      await fn();
    } finally {
      span.end();
    }
  });
  const [span] = tracing.finished();
  return (span?.events ?? []).map((event) => ({ name: event.name, attributes: event.attributes }));
}
