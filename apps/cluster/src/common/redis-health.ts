import type { Meter } from '@opentelemetry/api';
import { Redis } from 'ioredis';

/**
 * Whether this process reaches Redis right now: a PING every 250 ms on a
 * connection of its own, answered within 500 ms. What the `bank.redis.up`
 * gauge reports, so that a Redis outage shows in every process's metrics.
 */
export class RedisHealth {
  readonly #redis: Redis;
  readonly #timer: NodeJS.Timeout;
  up = false;

  constructor(url: string, meter: Meter) {
    meter
      .createObservableGauge('bank.redis.up', { description: '1 while this process reaches Redis, 0 otherwise.' })
      .addCallback((result) => result.observe(this.up ? 1 : 0));
    this.#redis = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 500, enableOfflineQueue: false });
    this.#redis.on('error', () => {});
    const check = (): void => {
      this.#redis.ping().then(
        () => {
          this.up = true;
        },
        () => {
          this.up = false;
        },
      );
    };
    check();
    this.#timer = setInterval(check, 250);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#redis.disconnect();
  }
}
