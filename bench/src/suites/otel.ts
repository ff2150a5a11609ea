import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { instrumentBreaker } from '@palisade/breaker/otel';
import { Router } from '@palisade/router';
import { instrumentRouter } from '@palisade/router/otel';
import { type Contender, type ContenderResult, compare, comparisonTable, type Suite, targetTable } from '../harness.ts';

const BATCH = 200;
const work = (): Promise<number> => Promise.resolve(1);

/** Discards what it is given: the reader still collects every second, the export itself costs nothing. */
const discardingExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

/**
 * What an app with OpenTelemetry set up has: a global MeterProvider with a
 * periodic reader (every second, sixty times the SDK's default), a global
 * TracerProvider, and the AsyncLocalStorage context manager, which every
 * promise in the process pays for whether or not palisade is instrumented.
 */
function installSdk(): void {
  const reader = new PeriodicExportingMetricReader({ exporter: discardingExporter, exportIntervalMillis: 1_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

type Environment = 'no SDK' | 'SDK';

/**
 * A contender whose process is set up on its first call: each runs in a fresh
 * process (`isolate`), so the SDK of one never slows another down.
 */
function contender(name: string, environment: Environment, build: () => () => unknown): Contender {
  let call: (() => unknown) | undefined;
  return {
    name,
    fn: () => {
      if (call === undefined) {
        if (environment === 'SDK') installSdk();
        call = build();
      }
      return call();
    },
  };
}

function breakerCall(instrumented: boolean): () => () => unknown {
  return () => {
    const breaker = new CircuitBreaker({ rule: new ConsecutiveFailuresRule({ threshold: 5 }) });
    if (instrumented) instrumentBreaker(breaker, { name: 'bench' });
    return () => breaker.execute(work);
  };
}

function routerCall(instrumented: boolean, durations = true): () => () => unknown {
  return () => {
    const router = new Router({ endpoints: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })) });
    if (instrumented) instrumentRouter(router, { name: 'bench', durations });
    return () => router.execute(work);
  };
}

/** The SDK's own cost of one histogram record with two attributes, as the router's duration makes per call. */
function histogramRecord(): () => unknown {
  const histogram = metrics.getMeter('bench').createHistogram('bench.duration', { unit: 's' });
  const attributes = Object.freeze({ 'palisade.router.name': 'bench', 'palisade.router.outcome': 'success' });
  return () => histogram.record(0.001, attributes);
}

const names = {
  router: {
    bareNone: 'router.execute, no SDK',
    instrumentedNone: 'router.execute instrumented, no SDK (API no-op)',
    bareSdk: 'router.execute, SDK installed',
    instrumentedSdk: 'router.execute instrumented, SDK installed',
    noDurationsSdk: 'router.execute instrumented with durations: false, SDK installed',
    record: 'histogram.record alone (2 attributes), SDK installed',
  },
  breaker: {
    bareNone: 'breaker.execute, no SDK',
    instrumentedNone: 'breaker.execute instrumented, no SDK (API no-op)',
    bareSdk: 'breaker.execute, SDK installed',
    instrumentedSdk: 'breaker.execute instrumented, SDK installed',
  },
};

async function breakerOverhead(): Promise<ContenderResult[]> {
  const n = names.breaker;
  return compare(
    [
      contender(n.bareNone, 'no SDK', breakerCall(false)),
      contender(n.instrumentedNone, 'no SDK', breakerCall(true)),
      contender(n.bareSdk, 'SDK', breakerCall(false)),
      contender(n.instrumentedSdk, 'SDK', breakerCall(true)),
    ],
    { batch: BATCH, isolate: 'breaker' },
  );
}

async function routerOverhead(): Promise<ContenderResult[]> {
  const n = names.router;
  return compare(
    [
      contender(n.bareNone, 'no SDK', routerCall(false)),
      contender(n.instrumentedNone, 'no SDK', routerCall(true)),
      contender(n.bareSdk, 'SDK', routerCall(false)),
      contender(n.instrumentedSdk, 'SDK', routerCall(true)),
      contender(n.noDurationsSdk, 'SDK', routerCall(true, false)),
      contender(n.record, 'SDK', histogramRecord),
    ],
    { batch: BATCH, isolate: 'router' },
  );
}

function byName(results: readonly ContenderResult[], name: string): number {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no contender named ${name}`);
  return result.medianNs;
}

const suite: Suite = {
  title: 'OpenTelemetry instrumentation overhead',
  async run() {
    const router = await routerOverhead();
    const breaker = await breakerOverhead();
    const r = names.router;
    const n = names.breaker;
    return `Each contender runs in its own process per round (the SDK's context manager hooks every promise in a process, so it must not slow the others down), ${BATCH} calls per sample. "SDK installed": a global \`MeterProvider\` whose \`PeriodicExportingMetricReader\` collects every second into an exporter that discards, a global \`TracerProvider\`, and the \`AsyncLocalStorage\` context manager. "No SDK": nothing registered, so \`@opentelemetry/api\` is its no-op. Instrumented means \`instrumentRouter(router, { name })\` or \`instrumentBreaker(breaker, { name })\` on the global provider. The ratios compare instrumented with bare in the same environment. The router has five endpoints and its defaults (P2C peak-EWMA, retries, the retry budget, a breaker per endpoint, a 15 s deadline); its instrumented call records the duration histogram, the only per-call instrument (\`durations: false\` turns it off), and the last row times the SDK's \`histogram.record\` alone, with the same two attributes, to show what that instrument costs by itself. Without an SDK the instrumentation does not subscribe to the call's end at all. The breaker's instrumentation has no per-call instrument.

### Router call, healthy path

${comparisonTable(router, [r.bareNone, r.bareSdk])}

### Breaker call, closed state

${comparisonTable(breaker, [n.bareNone, n.bareSdk])}

### Targets (issue 16)

${targetTable([
  {
    label: 'instrumented router.execute ÷ bare, SDK installed',
    measured: byName(router, r.instrumentedSdk) / byName(router, r.bareSdk),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute with durations: false ÷ bare, SDK installed (not a target of the issue)',
    measured: byName(router, r.noDurationsSdk) / byName(router, r.bareSdk),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute ÷ bare, no SDK (API no-op)',
    measured: byName(router, r.instrumentedNone) / byName(router, r.bareNone),
    limit: 1.1,
    kind: 'max',
  },
  {
    label: 'instrumented breaker call ÷ bare, SDK installed',
    measured: byName(breaker, n.instrumentedSdk) / byName(breaker, n.bareSdk),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented breaker call ÷ bare, no SDK (API no-op)',
    measured: byName(breaker, n.instrumentedNone) / byName(breaker, n.bareNone),
    limit: 1.1,
    kind: 'max',
  },
])}`;
  },
};

export default suite;
