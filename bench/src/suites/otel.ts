import { loadavg } from 'node:os';
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

/**
 * A bare router whose caller records each call's duration itself, as a user
 * without palisade's instrumentation would: the record's cost inside a call,
 * with the router's own work around it, apart from the event that carries it.
 */
function routerCallThenRecord(): () => unknown {
  const router = new Router({ endpoints: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })) });
  const histogram = metrics.getMeter('bench').createHistogram('bench.duration', { unit: 's' });
  const attributes = Object.freeze({ 'palisade.router.name': 'bench', 'palisade.router.outcome': 'success' });
  return async () => {
    const started = performance.now();
    const value = await router.execute(work);
    histogram.record((performance.now() - started) / 1000, attributes);
    return value;
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
    callThenRecord: 'router.execute, then the caller records its duration, SDK installed',
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
      contender(n.callThenRecord, 'SDK', routerCallThenRecord),
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

const r0 = names.router;

const suite: Suite = {
  title: 'OpenTelemetry instrumentation overhead',
  async run() {
    const loadBefore = loadavg()[0] as number;
    const router = await routerOverhead();
    const breaker = await breakerOverhead();
    const loadAfter = loadavg()[0] as number;
    const bareSdk = byName(router, r0.bareSdk);
    const recordShare = byName(router, r0.record) / bareSdk;
    const recordInCallShare = (byName(router, r0.callThenRecord) - bareSdk) / bareSdk;
    const instrumentedShare = (byName(router, r0.instrumentedSdk) - bareSdk) / bareSdk;
    const routerSdk = byName(router, r0.instrumentedSdk) / byName(router, r0.bareSdk);
    const r = names.router;
    const n = names.breaker;
    return `Each contender runs in its own process per round (the SDK's context manager hooks every promise in a process, so it must not slow the others down), ${BATCH} calls per sample. "SDK installed": a global \`MeterProvider\` whose \`PeriodicExportingMetricReader\` collects every second into an exporter that discards, a global \`TracerProvider\`, and the \`AsyncLocalStorage\` context manager. "No SDK": nothing registered, so \`@opentelemetry/api\` is its no-op. Instrumented means \`instrumentRouter(router, { name })\` or \`instrumentBreaker(breaker, { name })\` on the global provider. The ratios compare instrumented with bare in the same environment. The router has five endpoints and its defaults (P2C peak-EWMA, retries, the retry budget, a breaker per endpoint, a 15 s deadline); its instrumented call records the duration histogram, the only per-call instrument (\`durations: false\` turns it off), the next row is a bare router whose caller times each call and records it in a histogram of its own (what palisade's instrumentation does, without its event), and the last row times the SDK's \`histogram.record\` alone, in a tight loop, with the same two attributes. Without an SDK (no meter provider, no context manager) the router's instrumentation subscribes to nothing, so the instrumented and bare calls run the same code and differ only by noise. The breaker's instrumentation has no per-call instrument. Load average (1 min) when the suite started: ${loadBefore.toFixed(1)}; when it ended: ${loadAfter.toFixed(1)} (2 cores: above 2, other work shared them; the ratios, measured in the same rounds, hold up better than the times). A bare router call settles, per process, near one of two speeds (see its rounds), so a ratio of medians moves with the mode each median lands on: read the targets with the rounds beside them.

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
])}

${routerSdk > 1.5 ? 'Why the instrumented router misses 1.5× with an SDK' : 'What the instrumented router pays with an SDK'}: its one per-call cost is the call-duration histogram. On top of a bare call, instrumentation adds ${instrumentedShare.toFixed(2)}× a bare call's time, and a caller recording the same histogram by hand around a bare call adds ${recordInCallShare.toFixed(2)}×; the SDK's \`histogram.record\` alone, in a tight loop, takes ${recordShare.toFixed(2)}× a bare call (on every record the SDK reads the time and hashes the attribute set: it sorts the keys and \`JSON.stringify\`s them). The difference between the first two is the \`onSuccess\` event that carries the duration to the instrumentation; the rest is the SDK's, and any instrumentation that records a per-call histogram through the SDK pays it, whatever it does around the record. Everything else (counts, the budget, the endpoints) is read from \`stats()\` at collection and costs a call nothing, as \`durations: false\` shows. The cost is absolute, not proportional: on a call that waits for I/O it is a far smaller share.`;
  },
};

export default suite;
