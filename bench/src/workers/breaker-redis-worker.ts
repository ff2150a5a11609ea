/**
 * One process of the breaker-redis suite's fleet: a breaker on a shared
 * Redis store, driven over IPC (`{ id, type }` in, `{ id, ... }` out).
 */
import { CircuitBreaker, ConsecutiveFailuresRule } from '@palisade/breaker';
import { RedisBreakerBackend } from '@palisade/breaker/redis';

type Request = { readonly id: number; readonly type: string } & Record<string, unknown>;

let backend: RedisBreakerBackend | undefined;
let breaker: CircuitBreaker | undefined;
let breakAt = 0;
const failure = () => Promise.reject(new Error('down'));

function reply(id: number, body: Record<string, unknown> = {}): void {
  process.send?.({ id, ...body });
}

/** Polls the breaker's record on every turn of the event loop until it is `kind`; returns when (Date.now()). */
function until(kind: string, timeout: number): Promise<number | undefined> {
  const deadline = Date.now() + timeout;
  return new Promise((resolve) => {
    const look = () => {
      if (breaker?.record.kind === kind) resolve(Date.now());
      else if (Date.now() > deadline) resolve(undefined);
      else setImmediate(look);
    };
    look();
  });
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'setup': {
      backend = new RedisBreakerBackend({ connection: request.url as string, staleness: request.staleness as number });
      const store = backend.store(request.circuit as string);
      breaker = new CircuitBreaker({
        store,
        rule: new ConsecutiveFailuresRule({ threshold: 3 }),
        halfOpenAfter: 600_000,
      });
      breaker.onBreak(() => {
        breakAt = Date.now();
      });
      await store.ready;
      reply(request.id);
      return;
    }
    case 'trip':
      for (let i = 0; i < 3; i++) await breaker?.execute(failure).catch(() => {});
      reply(request.id, { at: breakAt });
      return;
    case 'until':
      reply(request.id, { at: await until(request.kind as string, request.timeout as number) });
      return;
    case 'reset':
      breaker?.reset();
      reply(request.id);
      return;
    case 'exit':
      await backend?.close();
      reply(request.id);
      process.exit(0);
  }
}

process.on('message', (request: Request) => {
  void handle(request);
});
process.on('disconnect', () => process.exit(0));
