import { type ChildProcess, fork } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ChildMessage, CONFIG_VARIABLE } from '../common/ipc.ts';
import { PendingAnswers } from '../common/pending-answers.ts';

export type Role = 'branch' | 'client' | 'attacker';

const entryPoints: Record<Role, string> = {
  branch: fileURLToPath(new URL('../branch/main.ts', import.meta.url)),
  client: fileURLToPath(new URL('../client/main.ts', import.meta.url)),
  attacker: fileURLToPath(new URL('../attacker/main.ts', import.meta.url)),
};

export interface ChildOptions {
  readonly name: string;
  readonly role: Role;
  readonly config: object;
  /** Where its stdout and stderr go. */
  readonly logFile: string;
  /** How long it may take to say it is ready. */
  readonly startTimeout?: number;
}

/**
 * A process the supervisor started: a Node process running one role's
 * `main.ts` (the packages it imports are their built `dist`, as a user's
 * app gets them), with an IPC channel for questions. Stopped by its PID:
 * a `stop` question, then SIGTERM, then SIGKILL.
 */
export class Child {
  readonly name: string;
  readonly role: Role;
  readonly pid: number;
  readonly startedAt = Date.now();
  readonly #process: ChildProcess;
  readonly #log: WriteStream;
  readonly #answers = new PendingAnswers();
  readonly #exited: Promise<void>;
  metricsPort = 0;
  httpPort: number | undefined;

  private constructor(options: ChildOptions, child: ChildProcess, log: WriteStream) {
    this.name = options.name;
    this.role = options.role;
    this.pid = child.pid as number;
    this.#process = child;
    this.#log = log;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type !== 'answer') return;
      if (message.error !== undefined) this.#answers.fail(message.rid, new Error(`${this.name}: ${message.error}`));
      else this.#answers.answer(message.rid, message.value);
    });
    child.once('exit', (code, signal) => {
      log.write(`\n[supervisor] ${this.name} (pid ${this.pid}) exited: ${signal ?? `code ${code}`}\n`);
      this.#answers.failAll(new Error(`${this.name} exited`));
    });
  }

  static async start(options: ChildOptions): Promise<Child> {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = fork(entryPoints[options.role], [], {
      env: { ...process.env, [CONFIG_VARIABLE]: JSON.stringify(options.config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: ['--disable-warning=ExperimentalWarning'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const handle = new Child(options, child, log);
    const timeout = options.startTimeout ?? 20_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${options.name} did not start within ${timeout} ms (log: ${options.logFile})`));
      }, timeout);
      child.on('message', (raw) => {
        const message = raw as ChildMessage;
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        handle.metricsPort = message.metricsPort;
        handle.httpPort = message.httpPort;
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(`${options.name} exited while starting (${signal ?? `code ${code}`}); log: ${options.logFile}`),
        );
      });
    }).catch(async (error: unknown) => {
      await handle.kill();
      throw error;
    });
    return handle;
  }

  get running(): boolean {
    return this.#process.exitCode === null && this.#process.signalCode === null;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}/metrics`;
  }

  /** Asks the process something; rejects after `timeout` ms or if it exits first. */
  ask(type: string, fields: Record<string, unknown> = {}, timeout = 35_000): Promise<unknown> {
    if (!this.running || !this.#process.connected) return Promise.reject(new Error(`${this.name} is not running`));
    const { rid, answer } = this.#answers.ask(
      timeout,
      () => new Error(`${this.name} did not answer ${type} within ${timeout} ms`),
    );
    this.#process.send({ rid, type, ...fields });
    return answer;
  }

  /** `kill -9`: no goodbye, as a crash. */
  async kill(): Promise<void> {
    if (this.running) this.#process.kill('SIGKILL');
    await this.#exited;
    this.#log.end();
  }

  /** Asks it to stop, then SIGTERM after `grace` ms, then SIGKILL after as long again. */
  async stop(grace = 8_000): Promise<void> {
    if (this.running) {
      this.ask('stop', {}, grace).catch(() => {});
      const term = setTimeout(() => this.#process.kill('SIGTERM'), grace);
      const kill = setTimeout(() => this.#process.kill('SIGKILL'), 2 * grace);
      await this.#exited;
      clearTimeout(term);
      clearTimeout(kill);
    }
    this.#log.end();
  }
}
