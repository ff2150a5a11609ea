/**
 * Child script of the test "a store awaited for its first read is not
 * garbage-collected": run with `node --expose-gc`. Prints `ready` or `stuck`.
 */
import { RedisBreakerBackend } from '@palisade/breaker/redis';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const backend = new RedisBreakerBackend({ connection: process.argv[2] as string });

// Nothing holds the store but the function awaiting it: the backend holds stores weakly once they are ready.
async function firstRead(): Promise<string> {
  await backend.store('collected?').ready;
  return 'ready';
}
const result = firstRead();
// A WeakRef's target lives to the end of the job that made it: collect on the next turn, before Redis answers.
await new Promise((resolve) => setImmediate(resolve));
gc();
gc();
const outcome = await Promise.race([
  result,
  new Promise<string>((resolve) => setTimeout(() => resolve('stuck'), 3_000).unref()),
]);
process.stdout.write(`${outcome}\n`);
await backend.close();
