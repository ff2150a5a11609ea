/**
 * One process of a fleet that shares a breaker through Redis, for the tests
 * in redis-breaker-fleet.test.ts. Run by redis-breaker-fleet.test-util.ts
 * with `node --import scripts/lib/source-imports.ts`, and driven over IPC:
 * each request `{ id, type, ... }` gets one reply `{ id, ... }`.
 */
import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import {
  type RedisBreakerBackend as Backend,
  RedisBreakerBackend,
  type RedisBreakerStore,
} from '@palisade/breaker/redis';
import { Redis } from 'ioredis';

interface Setup {
  readonly url: string;
  readonly circuit: string;
  readonly staleness?: number;
  readonly leaseDuration?: number;
  readonly quorum?: number;
  readonly halfOpenAfter: number;
  readonly threshold: number;
}

type Request = { readonly id: number; readonly type: string } & Record<string, unknown>;

let observer: Redis | undefined;
let backend: Backend | undefined;
let storeOf: RedisBreakerStore | undefined;
let breaker: CircuitBreaker | undefined;
let reconciles = 0;
/** When this process's breaker last announced an open circuit. */
let breakAt: number | undefined;
const failure = () => Promise.reject(new Error('dependency down'));
const success = () => Promise.resolve('ok');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reply(id: number, body: Record<string, unknown>): void {
  process.send?.({ id, ...body });
}

function theBreaker(): CircuitBreaker {
  if (breaker === undefined) throw new Error('setup first');
  return breaker;
}

async function setup(options: Setup): Promise<void> {
  await backend?.close();
  observer?.disconnect();
  reconciles = 0;
  breakAt = undefined;
  // A client for the tests' own bookkeeping, apart from the backend's.
  observer = new Redis(options.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  observer.on('error', () => {});
  backend = new RedisBreakerBackend({
    connection: { host: '127.0.0.1', port: Number(new URL(options.url).port), retryStrategy: () => 100 },
    staleness: options.staleness ?? 1_000,
    leaseDuration: options.leaseDuration ?? 5_000,
    quorum: { processes: options.quorum ?? 1, window: 30_000 },
  });
  backend.onReconcile(() => reconciles++);
  const store = backend.store(options.circuit);
  storeOf = store;
  breaker = new CircuitBreaker({
    store,
    rule: new ConsecutiveFailuresRule({ threshold: options.threshold }),
    halfOpenAfter: options.halfOpenAfter,
  });
  breaker.onBreak(() => {
    breakAt = Date.now();
  });
  await store.ready;
}

function state(): Record<string, unknown> {
  const store = (backend as Backend).stats();
  return { record: theBreaker().record, connected: store.connected, reconciles, breakAt, circuit: circuitStats() };
}

function circuitStats(): unknown {
  return storeOf?.stats();
}

/** Calls until the breaker turns one away; returns when (Date.now()) that happened. */
async function untilRejected(timeout: number): Promise<number | undefined> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const permit = theBreaker().tryAcquire();
    if (!permit.admitted) return Date.now();
    permit.release();
    await sleep(1);
  }
  return undefined;
}

/**
 * Probes until `total` probes have run across the fleet. Each probe marks
 * itself active in Redis (INCR), so a second probe at the same time anywhere
 * is seen; all but the last fail, which re-opens the circuit for the next.
 */
async function probeLoop(key: string, total: number, timeout: number): Promise<Record<string, unknown>> {
  const client = observer as Redis;
  const deadline = Date.now() + timeout;
  let probes = 0;
  while (Date.now() < deadline) {
    const permit = theBreaker().tryAcquire();
    if (permit.admitted && !permit.probe) {
      permit.release();
      if (Number(await client.get(`${key}:total`)) >= total) return { probes, done: true };
      await sleep(1);
      continue;
    }
    if (!permit.admitted) {
      await sleep(1);
      continue;
    }
    probes++;
    const active = await client.incr(`${key}:active`);
    if (active > 1) await client.incr(`${key}:overlaps`);
    const n = await client.incr(`${key}:total`);
    await sleep(5);
    await client.decr(`${key}:active`);
    if (n >= total) permit.success(5);
    else permit.failure(new Error('still down'), 5);
  }
  return { probes, done: false };
}

async function handle(request: Request): Promise<void> {
  const { id, type } = request;
  switch (type) {
    case 'setup':
      await setup(request as unknown as Setup);
      reply(id, { pid: process.pid });
      return;
    case 'fail': {
      const count = request.count as number;
      for (let i = 0; i < count; i++)
        await theBreaker()
          .execute(failure)
          .catch(() => {});
      reply(id, { at: Date.now(), ...state() });
      return;
    }
    case 'until-rejected':
      reply(id, { at: await untilRejected(request.timeout as number) });
      return;
    case 'calls': {
      // Calls that succeed or fail as asked; counts how each settled, and how long the slowest took.
      const outcomes: Record<string, number> = {};
      let slowest = 0;
      for (let i = 0; i < (request.count as number); i++) {
        const started = Date.now();
        const settled = await theBreaker()
          .execute(request.fail === true ? failure : success)
          .then(
            () => 'ok',
            (error: Error) => (error.message === 'dependency down' ? 'dependency' : error.name),
          );
        slowest = Math.max(slowest, Date.now() - started);
        outcomes[settled] = (outcomes[settled] ?? 0) + 1;
      }
      reply(id, { outcomes, slowest, ...state() });
      return;
    }
    case 'reset':
      theBreaker().reset();
      reply(id, state());
      return;
    case 'state':
      reply(id, state());
      return;
    case 'probe-loop':
      reply(id, await probeLoop(request.key as string, request.total as number, request.timeout as number));
      return;
    case 'hang-probe': {
      // Takes a probe and never settles it: the process is then killed while it holds the slot.
      const deadline = Date.now() + (request.timeout as number);
      while (Date.now() < deadline) {
        const permit = theBreaker().tryAcquire();
        if (permit.admitted && permit.probe) {
          reply(id, { at: Date.now() });
          return;
        }
        if (permit.admitted) permit.release();
        await sleep(1);
      }
      reply(id, { at: undefined });
      return;
    }
    case 'first-probe': {
      // Waits for a probe permit; reports when it came, and settles it as a success.
      const deadline = Date.now() + (request.timeout as number);
      while (Date.now() < deadline) {
        const permit = theBreaker().tryAcquire();
        if (permit.admitted && permit.probe) {
          const at = Date.now();
          permit.success(1);
          reply(id, { at });
          return;
        }
        if (permit.admitted) {
          // Closed: another process probed and closed it.
          permit.release();
          reply(id, { at: undefined, closed: true });
          return;
        }
        await sleep(1);
      }
      reply(id, { at: undefined });
      return;
    }
    case 'until-state': {
      const deadline = Date.now() + (request.timeout as number);
      while (Date.now() < deadline) {
        const snapshot = state();
        const record = snapshot.record as { kind: string };
        const source = (snapshot.circuit as { source: string }).source;
        if (
          record.kind === request.kind &&
          (request.connected === undefined || snapshot.connected === request.connected) &&
          (request.source === undefined || source === request.source)
        ) {
          reply(id, { ok: true, ...snapshot });
          return;
        }
        // Calls let the breaker notice what its store heard.
        const permit = theBreaker().tryAcquire();
        if (permit.admitted) permit.release();
        await sleep(5);
      }
      reply(id, { ok: false, ...state() });
      return;
    }
    case 'exit':
      await backend?.close();
      observer?.disconnect();
      reply(id, {});
      process.exit(0);
      return;
    default:
      reply(id, { error: `unknown request ${type}` });
  }
}

process.on('message', (request: Request) => {
  handle(request).catch((error: Error) => reply(request.id, { error: error.stack ?? String(error) }));
});
// Orphaned (the test runner died): exit rather than linger.
process.on('disconnect', () => process.exit(0));
