import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { RedisBreakerBackend } from '@palisade/breaker/redis';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// One backend per process. Two stand for two processes here: each has its own client.
const [web, worker] = [new Redis(url), new Redis(url)];
const atWeb = new RedisBreakerBackend({ redis: web });
const atWorker = new RedisBreakerBackend({ redis: worker });
const options = () => ({ rule: new ConsecutiveFailuresRule({ threshold: 3 }), halfOpenAfter: 10_000 });
const webStore = atWeb.store('payments-api');
const workerStore = atWorker.store('payments-api');
const inWeb = new CircuitBreaker({ store: webStore, ...options() });
const inWorker = new CircuitBreaker({ store: workerStore, ...options() });
await Promise.all([webStore.ready, workerStore.ready]);

for (let i = 0; i < 3; i++) await inWeb.execute(() => Promise.reject(new Error('503'))).catch(() => {});
console.log(inWeb.record.kind); // → open
await new Promise((resolve) => setTimeout(resolve, 100)); // pub/sub: well within the staleness bound
console.log(inWorker.tryAcquire().admitted, inWorker.state === inWeb.state); // → false true

await Promise.all([atWeb.close(), atWorker.close()]); // gives back probe slots; the clients stay yours
web.disconnect();
worker.disconnect();
