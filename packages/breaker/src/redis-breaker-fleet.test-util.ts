import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sourceImports = fileURLToPath(new URL('../../../scripts/lib/source-imports.ts', import.meta.url));
const workerScript = fileURLToPath(new URL('./redis-breaker-worker.test-util.ts', import.meta.url));

/** A child process sharing a breaker through Redis (redis-breaker-worker.test-util.ts), driven over IPC. */
export interface FleetWorker {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Sends a request; rejects if the worker has not replied within `timeout` ms or has died. */
  request<T = Record<string, unknown>>(type: string, body?: Record<string, unknown>, timeout?: number): Promise<T>;
}

export function spawnWorker(): FleetWorker {
  const child = spawn(process.execPath, ['--no-warnings', '--import', sourceImports, workerScript], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (body: never) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; error?: string }) => {
    const waiter = waiting.get(message.id);
    if (waiter === undefined) return;
    waiting.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`worker ${child.pid}: ${message.error}`));
    else waiter.resolve(message as never);
  });
  child.on('exit', () => {
    for (const waiter of waiting.values()) waiter.reject(new Error(`worker ${child.pid} exited`));
    waiting.clear();
  });
  return {
    pid: child.pid as number,
    child,
    request<T>(type: string, body: Record<string, unknown> = {}, timeout = 30_000): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`worker ${child.pid} did not answer ${type} within ${timeout} ms`));
        }, timeout);
        waiting.set(id, {
          resolve: (reply: never) => {
            clearTimeout(timer);
            resolve(reply as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, type, ...body });
      });
    },
  };
}

/** Stops the workers by PID: SIGKILL, then waits for each to exit. */
export async function stopWorkers(workers: readonly FleetWorker[]): Promise<void> {
  await Promise.all(
    workers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
