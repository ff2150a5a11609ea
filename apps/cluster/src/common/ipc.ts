/**
 * The control plane between the supervisor and the processes it starts:
 * Node's IPC channel (loopback, never the network). A process gets its
 * start configuration in an environment variable, then questions on IPC,
 * each answered once by `rid`. When the supervisor goes away (even by
 * `kill -9`), the channel closes and the process stops by itself.
 */

export const CONFIG_VARIABLE = 'PALISADE_CLUSTER_CONFIG';

/** A question from the supervisor; `rid` pairs it with its answer. */
export interface Question {
  readonly rid: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly metricsPort: number; readonly httpPort?: number }
  | { readonly type: 'answer'; readonly rid: number; readonly value?: unknown; readonly error?: string };

/** The configuration the supervisor gave this process. */
export function roleConfig<T>(): T {
  const text = process.env[CONFIG_VARIABLE];
  if (text === undefined)
    throw new Error(`${CONFIG_VARIABLE} is not set: this process is started by the cluster supervisor`);
  return JSON.parse(text) as T;
}

function send(message: ChildMessage): void {
  if (process.send !== undefined && process.connected) process.send(message);
}

export const reportReady = (ports: { metricsPort: number; httpPort?: number }): void =>
  send({ type: 'ready', ...ports });

/**
 * Answers the supervisor's questions with `handle`, and stops the process
 * with `stop` on a `stop` question or when the supervisor is gone. `stop`
 * gets 5 s; then the process exits anyway.
 */
export function serveSupervisor(handle: (question: Question) => unknown, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(code), 5_000);
    timer.unref();
    stop().then(
      () => process.exit(code),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('message', (raw) => {
    const question = raw as Question;
    if (question.type === 'stop') {
      send({ type: 'answer', rid: question.rid });
      shutdown(0);
      return;
    }
    Promise.resolve()
      .then(() => handle(question))
      .then(
        (value) => send({ type: 'answer', rid: question.rid, value }),
        (error: unknown) => send({ type: 'answer', rid: question.rid, error: String(error) }),
      );
  });
  process.on('disconnect', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
}
