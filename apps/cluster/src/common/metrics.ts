import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface ProcessMetrics {
  readonly meterProvider: MeterProvider;
  /** The app's own instruments (`bank.…`). */
  readonly meter: Meter;
  /** `http://127.0.0.1:<port>/metrics`, Prometheus text. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * OpenTelemetry metrics for one process, read as Prometheus text on its own
 * loopback port: the setup any service would use, with the exporter served
 * by our own HTTP server so that port 0 can pick a free port.
 */
export async function startMetrics(service: string): Promise<ProcessMetrics> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const server = createServer((request, response) => exporter.getMetricsRequestHandler(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    meterProvider,
    meter: meterProvider.getMeter(service),
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await meterProvider.shutdown();
    },
  };
}
