import { RedisBreakerBackend } from '@palisade/breaker/redis';
import { ConsecutiveFailuresRule } from '@palisade/breaker';
import { Router } from '@palisade/router';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const backend = new RedisBreakerBackend({ redis });

// Keyed shared breakers: one circuit per tenant, for every process.
const tenants = backend.registry<string>({
  breaker: () => ({ rule: new ConsecutiveFailuresRule({ threshold: 5 }) }),
  circuitName: (tenant) => `tenant:${tenant}`,
});
await tenants.execute('acme', async () => 'ok');

// An ejection one router process makes holds in all of them.
const router = new Router({
  endpoints: [{ id: 'eu-1' }, { id: 'eu-2' }],
  outlierDetection: { store: (endpointId) => backend.store(`orders-api:${endpointId}`) },
});
console.log(await router.execute((endpoint) => endpoint.id).then(() => 'routed')); // → routed

router.dispose();
await backend.close();
redis.disconnect();
