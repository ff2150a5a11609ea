import { RedisBreakerBackend } from '@palisade/breaker/redis';
import type { Identity } from '@palisade/messaging';
import { Router } from '@palisade/router';
import { instrumentRouter } from '@palisade/router/otel';
import { handleType } from 'cockatiel';
import type { Transfer } from '../bank/transfer.ts';
import type { ClientConfig } from '../common/config.ts';
import type { Question } from '../common/ipc.ts';
import { type ProcessMetrics, startMetrics } from '../common/metrics.ts';
import { RedisHealth } from '../common/redis-health.ts';
import { Load } from './load.ts';

interface Endpoint {
  readonly id: string;
  readonly url: string;
}

/** A small seeded generator (mulberry32), so that two runs with one seed ask for the same transfers. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A customer's process: hands its transfers in at the branches through a
 * router, which spreads them, retries a failed attempt at another branch,
 * and ejects a branch that keeps failing (for every client at once when the
 * breakers are shared).
 */
export class Client {
  readonly #router: Router<string>;
  readonly #load: Load;
  readonly #metrics: ProcessMetrics;
  readonly #breakers: RedisBreakerBackend | undefined;
  readonly #health: RedisHealth;

  private constructor(config: ClientConfig, customer: Identity, metrics: ProcessMetrics) {
    this.#metrics = metrics;
    // Every client's breaker for a branch is one circuit in Redis: a branch one client ejects is ejected for all.
    const breakers = config.sharedBreakers ? new RedisBreakerBackend({ connection: config.redisUrl }) : undefined;
    this.#breakers = breakers;
    this.#health = new RedisHealth(config.redisUrl, metrics.meter);
    this.#router = new Router<string>({
      endpoints: config.endpoints.map(({ id, url }) => ({ id, data: url })),
      handle: handleType(TypeError).orWhenResult((status) => (status as number) >= 500),
      timeout: 3_000,
      attemptTimeout: 1_000,
      outlierDetection: {
        consecutiveFailures: 3,
        baseEjectionTime: 2_000,
        maxEjectionTime: 10_000,
        ...(breakers === undefined ? {} : { store: (id: string) => breakers.store(`bank-front-desk:${id}`) }),
      },
    });
    instrumentRouter(this.#router, { name: 'front-desks', meterProvider: metrics.meterProvider });
    const { meter } = metrics;
    const calls = meter.createCounter('bank.client.calls', {
      description: 'Transfers handed in through the router, by outcome (ok, failed).',
    });
    const duration = meter.createHistogram('bank.client.call.duration', {
      description: 'How long handing in a transfer took through the router, retries included.',
      unit: 's',
    });
    meter
      .createObservableGauge('bank.client.endpoint.healthy', {
        description: "1 while this client's router sends a branch traffic, 0 while it has ejected it.",
      })
      .addCallback((result) => {
        for (const endpoint of this.#router.endpoints) {
          const stats = this.#router.endpointStats(endpoint.id);
          result.observe(stats?.status === 'healthy' ? 1 : 0, { endpoint: endpoint.id });
        }
      });
    const submit = async (transfer: Transfer): Promise<boolean> => {
      const body = JSON.stringify(transfer);
      const started = performance.now();
      const status = await this.#router
        .execute(async (endpoint, signal) => {
          const response = await fetch(`${endpoint.data}/transfers`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal,
          });
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => 0);
      const ok = status === 202;
      calls.add(1, { outcome: ok ? 'ok' : 'failed' });
      duration.record((performance.now() - started) / 1_000);
      return ok;
    };
    this.#load = new Load(
      { customer, accounts: config.accounts, submit, rate: config.rate, random: seeded(config.seed) },
      config.destinations,
    );
  }

  static async start(config: ClientConfig, customer: Identity): Promise<Client> {
    const client = new Client(config, customer, await startMetrics(config.id));
    client.#load.start();
    return client;
  }

  get ports(): { metricsPort: number } {
    return { metricsPort: this.#metrics.port };
  }

  async handle(question: Question): Promise<unknown> {
    switch (question.type) {
      case 'endpoints':
        this.#setEndpoints(question.endpoints as Endpoint[]);
        return undefined;
      case 'destinations':
        this.#load.addDestinations(question.accounts as string[]);
        return undefined;
      case 'pause':
        await this.#load.pause();
        return undefined;
      case 'resume':
        this.#load.start();
        return undefined;
      case 'report':
        return this.#load.report();
      default:
        throw new Error(`unknown question ${question.type}`);
    }
  }

  async close(): Promise<void> {
    await this.#load.stop();
    await this.#router.close();
    await this.#breakers?.close();
    this.#health.close();
    await this.#metrics.close();
  }

  #setEndpoints(endpoints: readonly Endpoint[]): void {
    for (const { id, url } of endpoints) {
      const current = this.#router.endpoint(id);
      if (current?.data === url) continue;
      if (current !== undefined) this.#router.remove(id);
      this.#router.add({ id, data: url });
    }
  }
}
