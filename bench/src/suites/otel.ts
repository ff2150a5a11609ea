import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
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
import {
  type Contender,
  type ContenderResult,
  compare,
  comparisonTable,
  formatNs,
  type Suite,
  targetTable,
} from '../harness.ts';

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

/**
 * A process whose app traces: a context was entered once (as an HTTP server's
 * instrumentation does for every request), which turns on the promise hooks of
 * `AsyncLocalStorage` for every promise in the process from then on.
 */
function enterContextOnce(): void {
  const span = trace.getTracer('bench').startSpan('request');
  context.with(trace.setSpan(ROOT_CONTEXT, span), () => span.end());
}

/**
 * No SDK; the SDK installed in a process that never entered a context; the
 * SDK in use (a context entered, as in any app that traces).
 */
type Environment = 'no SDK' | 'SDK' | 'SDK in use';

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
        if (environment !== 'no SDK') installSdk();
        if (environment === 'SDK in use') enterContextOnce();
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
 * A call that waits for I/O: one byte to an echo server on loopback and back,
 * through the router. What instrumentation adds per call, on calls of the kind
 * a router is for.
 */
function routerLoopbackCall(instrumented: boolean): () => () => unknown {
  return () => {
    let client: Socket | undefined;
    const waiting: (() => void)[] = [];
    const connected = (async () => {
      const server = createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      const socket = createConnection({ host: '127.0.0.1', port, noDelay: true });
      await once(socket, 'connect');
      socket.on('data', (chunk) => {
        for (let i = 0; i < chunk.length; i++) waiting.shift()?.();
      });
      server.unref();
      socket.unref();
      client = socket;
    })();
    const echo = (): Promise<void> =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        (client as Socket).write('x');
      });
    const router = new Router({ endpoints: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })) });
    if (instrumented) instrumentRouter(router, { name: 'bench' });
    return async () => {
      if (client === undefined) await connected;
      return router.execute(echo);
    };
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
    bareInUse: 'router.execute, SDK in use',
    instrumentedInUse: 'router.execute instrumented, SDK in use',
    noDurationsInUse: 'router.execute instrumented with durations: false, SDK in use',
    callThenRecord: 'router.execute, then the caller records its duration, SDK installed',
    record: 'histogram.record alone (2 attributes), SDK installed',
  },
  loopback: {
    bare: 'router.execute of a loopback echo, SDK in use',
    instrumented: 'router.execute of a loopback echo instrumented, SDK in use',
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
      contender(n.bareInUse, 'SDK in use', routerCall(false)),
      contender(n.instrumentedInUse, 'SDK in use', routerCall(true)),
      contender(n.noDurationsInUse, 'SDK in use', routerCall(true, false)),
      contender(n.callThenRecord, 'SDK', routerCallThenRecord),
      contender(n.record, 'SDK', histogramRecord),
    ],
    { batch: BATCH, isolate: 'router' },
  );
}

async function loopbackOverhead(): Promise<ContenderResult[]> {
  const n = names.loopback;
  return compare(
    [
      contender(n.bare, 'SDK in use', routerLoopbackCall(false)),
      contender(n.instrumented, 'SDK in use', routerLoopbackCall(true)),
    ],
    { batch: BATCH, isolate: 'loopback' },
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
    const loadBefore = loadavg()[0] as number;
    const router = await routerOverhead();
    const loopback = await loopbackOverhead();
    const breaker = await breakerOverhead();
    const loadAfter = loadavg()[0] as number;
    const r = names.router;
    const l = names.loopback;
    const n = names.breaker;
    const at = (name: string) => byName(router, name);
    const share = (name: string, bare: string) => (at(name) - at(bare)) / at(bare);
    const recordShare = at(r.record) / at(r.bareSdk);
    const recordInCallShare = share(r.callThenRecord, r.bareSdk);
    const instrumentedShare = share(r.instrumentedSdk, r.bareSdk);
    const missed = at(r.instrumentedSdk) / at(r.bareSdk) > 1.5 || at(r.instrumentedInUse) / at(r.bareInUse) > 1.5;
    const loopbackAdded = byName(loopback, l.instrumented) - byName(loopback, l.bare);
    return `Each contender runs in its own process per round (the SDK's context manager hooks every promise in a process once a context is entered, so it must not slow the others down), ${BATCH} calls per sample. Three environments: "no SDK", nothing registered, so \`@opentelemetry/api\` is its no-op; "SDK installed", a global \`MeterProvider\` whose \`PeriodicExportingMetricReader\` collects every second into an exporter that discards, a global \`TracerProvider\`, and the \`AsyncLocalStorage\` context manager, in a process that never enters a context; "SDK in use", the same after one context was entered, as in any app that traces (an instrumented HTTP server enters one per request), which turns on the promise hooks of \`AsyncLocalStorage\` for every promise from then on. Instrumented means \`instrumentRouter(router, { name })\` or \`instrumentBreaker(breaker, { name })\` on the global provider. The ratios compare instrumented with bare in the same environment. The router has five endpoints and its defaults (P2C peak-EWMA, retries, the retry budget, a breaker per endpoint, a 15 s deadline). Its call goes to a function that returns a resolved promise, so the figures are the router's own work and the instrumentation's, nothing else; the loopback rows call an echo server on 127.0.0.1 instead (one byte there and back on a TCP connection), the kind of call a router is for. An instrumented call records the duration histogram, the only per-call instrument (\`durations: false\` turns it off); "then the caller records" is a bare router whose caller times each call and records it in a histogram of its own (what the instrumentation does, without its event), and "histogram.record alone" times the SDK's \`record\` in a tight loop with the same two attributes. Load average (1 min) when the suite started: ${loadBefore.toFixed(1)}; when it ended: ${loadAfter.toFixed(1)} (2 cores: above 2, other work shared them; the ratios, measured in the same rounds, hold up better than the times). A bare router call settles, per process, near one of two speeds, and so does a breaker call (see their rounds), so a ratio of medians moves with the mode each median lands on: read the targets with the rounds beside them.

### Router call, healthy path

${comparisonTable(router, [r.bareNone, r.bareSdk, r.bareInUse])}

### Router call of a loopback echo

${comparisonTable(loopback, [l.bare])}

### Breaker call, closed state

${comparisonTable(breaker, [n.bareNone, n.bareSdk])}

### Targets (issue 16)

${targetTable([
  {
    label: 'instrumented router.execute ÷ bare, SDK installed',
    measured: at(r.instrumentedSdk) / at(r.bareSdk),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute ÷ bare, SDK in use',
    measured: at(r.instrumentedInUse) / at(r.bareInUse),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute ÷ bare, no SDK (API no-op)',
    measured: at(r.instrumentedNone) / at(r.bareNone),
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

Not targets of the issue, for reading the ones above:

${targetTable([
  {
    label: 'instrumented router.execute with durations: false ÷ bare, SDK installed',
    measured: at(r.noDurationsSdk) / at(r.bareSdk),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute with durations: false ÷ bare, SDK in use',
    measured: at(r.noDurationsInUse) / at(r.bareInUse),
    limit: 1.5,
    kind: 'max',
  },
  {
    label: 'instrumented router.execute of a loopback echo ÷ bare, SDK in use',
    measured: byName(loopback, l.instrumented) / byName(loopback, l.bare),
    limit: 1.5,
    kind: 'max',
  },
])}

${missed ? 'Why the instrumented router misses 1.5× with an SDK' : 'What the instrumented router pays with an SDK'}: its one per-call cost is the call-duration histogram. On top of a bare call, instrumentation adds ${instrumentedShare.toFixed(2)}× a bare call's time, and a caller recording the same histogram by hand around a bare call adds ${recordInCallShare.toFixed(2)}×; the SDK's \`histogram.record\` alone, in a tight loop, takes ${recordShare.toFixed(2)}× a bare call (on every record the SDK hashes the attribute set: it sorts the keys and \`JSON.stringify\`s them, which is most of its cost). Any instrumentation that records a per-call histogram through the SDK pays that, whatever it does around the record; everything else (counts, the budget, the endpoints) is read from \`stats()\` at collection and costs a call nothing, as \`durations: false\` shows. The cost is absolute, not proportional: on the loopback echo, instrumentation adds ${formatNs(loopbackAdded)} to a call of ${formatNs(byName(loopback, l.bare))}.`;
  },
};

export default suite;
