/**
 * A service on loopback whose outgoing calls go through a palisade router,
 * with its metrics exported as Prometheus text.
 *
 * Two replicas of an "inventory" upstream answer on loopback; one of them
 * fails every other request. The service's `/stock` handler asks the
 * inventory through a `Router`, which retries a failed attempt on the other
 * replica. `instrumentRouter` reports the router to a `MeterProvider` whose
 * reader is OpenTelemetry's `PrometheusExporter`, served on its own port.
 *
 * Run it with `npm run example:otel` at the repository's root, then:
 *   curl http://127.0.0.1:8080/stock        (a few times)
 *   curl http://127.0.0.1:9464/metrics      (the router's series)
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Router } from '@palisade/router';
import { instrumentRouter } from '@palisade/router/otel';

export interface Demo {
  /** The service: GET `${serviceUrl}/stock`. */
  readonly serviceUrl: string;
  /** Prometheus text: GET `${metricsUrl}`. */
  readonly metricsUrl: string;
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<string> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An upstream replica: answers `/stock` with JSON, or with a 503 when `fails(n)` says so for its n-th request. */
async function replica(
  id: string,
  fails: (n: number) => boolean,
): Promise<{ id: string; url: string; server: Server }> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    if (fails(requests)) {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replica: id, stock: 42 }));
  });
  return { id, url: await listen(server, 0), server };
}

/** Starts the replicas, the service and the metrics endpoint. Port 0 picks a free port. */
export async function startDemo({ port = 0, metricsPort = 0 } = {}): Promise<Demo> {
  const replicas = [await replica('inventory-a', () => false), await replica('inventory-b', (n) => n % 2 === 0)];

  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const router = new Router<string>({
    endpoints: replicas.map(({ id, url }) => ({ id, data: url })),
    balancer: 'round-robin',
  });
  const instrumentation = instrumentRouter(router, { name: 'inventory', meterProvider });

  const service = createServer(async (_request, response) => {
    try {
      const body = await router.execute(async (endpoint, signal) => {
        const answer = await fetch(`${endpoint.data}/stock`, { signal });
        if (!answer.ok) throw new Error(`${endpoint.id} answered ${answer.status}`);
        return answer.text();
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch (error) {
      response.writeHead(502).end(String(error));
    }
  });
  const metrics = createServer((request, response) => exporter.getMetricsRequestHandler(request, response));

  const serviceUrl = await listen(service, port);
  const metricsUrl = `${await listen(metrics, metricsPort)}/metrics`;
  return {
    serviceUrl,
    metricsUrl,
    async close() {
      service.closeAllConnections();
      metrics.closeAllConnections();
      await Promise.all([service, metrics].map((server) => new Promise((resolve) => server.close(resolve))));
      await router.close();
      instrumentation.dispose();
      await meterProvider.shutdown();
      for (const { server } of replicas) server.closeAllConnections();
      await Promise.all(replicas.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await startDemo({ port: 8080, metricsPort: 9464 });
  console.log(`service: ${demo.serviceUrl}/stock`);
  console.log(`metrics: ${demo.metricsUrl}`);
  console.log('Ctrl-C to stop.');
  process.once('SIGINT', () => void demo.close());
}
