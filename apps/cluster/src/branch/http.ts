import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Meter } from '@opentelemetry/api';

export interface BranchHttp {
  readonly port: number;
  close(): Promise<void>;
}

export interface BranchHttpOptions {
  /** 0 for a free port. */
  readonly port: number;
  readonly meter: Meter;
  /** Puts a transfer on its queue; resolves once it is stored. */
  readonly submit: (body: unknown) => Promise<'queued' | 'invalid'>;
}

const MAX_BODY = 16_384;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The branch's front desk on loopback: `POST /transfers` answers 202 once
 * the transfer is stored on its queue, 400 for something that is not a
 * transfer, 503 when it cannot be stored now (Redis out of reach): the
 * client's router then tries another branch.
 */
export async function startBranchHttp(options: BranchHttpOptions): Promise<BranchHttp> {
  const received = options.meter.createCounter('bank.transfers.received', {
    description: 'Transfers clients handed in at this branch, by result (queued, invalid, unavailable).',
  });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200).end('ok');
      return;
    }
    if (request.method !== 'POST' || request.url !== '/transfers') {
      response.writeHead(404).end();
      return;
    }
    readJson(request)
      .then((body) => options.submit(body))
      .then(
        (result) => {
          received.add(1, { result });
          response.writeHead(result === 'queued' ? 202 : 400).end(result);
        },
        (error: unknown) => {
          received.add(1, { result: 'unavailable' });
          response.writeHead(503).end(String(error));
        },
      );
  });
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
