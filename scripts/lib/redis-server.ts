import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from './system-programs.ts';

/**
 * A redis-server of our own, on a free loopback port, with its files in a
 * temp dir: what every test (and `npm run cluster`) that needs Redis starts,
 * and stops by its PID afterwards. Nothing here uses a system-wide Redis.
 */

/** The redis-server binary: `REDIS_SERVER_PATH` (which `npm test` sets, '' when none was found), else PATH. */
export function redisServerPath(): string {
  const fromEnv = process.env.REDIS_SERVER_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return findOnPath(['redis-server']);
}

export const REDIS_MISSING_MESSAGE =
  'redis-server is not installed: `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` enables the Redis tests (under CI=true they are required).';

export interface RedisServerOptions {
  /** Append-only file persistence with fsync every write, so a `kill -9` loses nothing. Default false (no persistence at all). */
  readonly appendOnly?: boolean;
  /** Start as a Redis Cluster node (`--cluster-enabled yes`). Default false. */
  readonly clusterEnabled?: boolean;
  /** Reuse a data dir (a restart of an earlier server); default a fresh temp dir. */
  readonly dir?: string;
  /** Reuse a port (a restart); default a free one. */
  readonly port?: number;
  /** Extra `--name value` arguments. */
  readonly args?: readonly string[];
  /** How long to wait for the server to answer PING. Default 10 s. */
  readonly startTimeout?: number;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 5 s). Removes the temp dir unless `keepDir`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
  /** SIGKILL, wait for exit; the dir is kept, for a restart. */
  kill(): Promise<void>;
  /** SIGSTOP: the server stops answering but keeps its connections. */
  freeze(): void;
  /** SIGCONT */
  thaw(): void;
  /** A new server on the same port and dir (after kill or stop with keepDir). */
  restart(): Promise<RedisServer>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; true on +PONG. */
export function ping(port: number, timeout = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeout, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Kills the server if this process dies without stopping it (a test worker
 * killed at a timeout, say), so a crashed run never leaves servers behind. A
 * shell loop, not an exit handler: a process killed by a signal runs none.
 */
function watchParent(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`;
  const watchdog = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerPath();
  if (binary === '') throw new Error(REDIS_MISSING_MESSAGE);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'palisade-redis-'));
  const startTimeout = options.startTimeout ?? 10_000;
  // A port picked free can be taken before redis binds it; a few tries make that race harmless.
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--save',
      '',
      '--appendonly',
      options.appendOnly === true ? 'yes' : 'no',
      ...(options.appendOnly === true ? ['--appendfsync', 'always'] : []),
      ...(options.clusterEnabled === true
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '2000',
          ]
        : []),
      '--logfile',
      join(dir, 'redis.log'),
      ...(options.args ?? []),
    ];
    const child = spawn(binary, args, { stdio: 'ignore' });
    watchParent(child);
    const deadline = Date.now() + startTimeout;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null) {
      up = await ping(port);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!up) {
      child.kill('SIGKILL');
      await exited(child);
      if (attempt < 3 && options.port === undefined) continue;
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `redis-server did not answer PING on 127.0.0.1:${port} within ${startTimeout} ms (log: ${dir}/redis.log)`,
      );
    }
    const server: RedisServer = {
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      pid: child.pid as number,
      async stop({ keepDir = false } = {}) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited(child);
          clearTimeout(timer);
        }
        if (ownDir && !keepDir) rmSync(dir, { recursive: true, force: true });
      },
      async kill() {
        child.kill('SIGKILL');
        await exited(child);
      },
      freeze: () => void child.kill('SIGSTOP'),
      thaw: () => void child.kill('SIGCONT'),
      restart: () => startRedisServer({ ...options, dir, port }),
    };
    return server;
  }
}

/**
 * A local Redis Cluster of `masters` nodes (no replicas), made with
 * `redis-cli --cluster create`. Stopping it stops every node.
 */
export async function startRedisCluster(masters = 3): Promise<{ nodes: RedisServer[]; stop(): Promise<void> }> {
  const nodes: RedisServer[] = [];
  try {
    for (let index = 0; index < masters; index++) nodes.push(await startRedisServer({ clusterEnabled: true }));
    const cli = findOnPath(['redis-cli']);
    if (cli === '') throw new Error('redis-cli is missing (it comes with redis-server)');
    const create = spawnSync(
      cli,
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    // The cluster is usable once every node reports cluster_state:ok.
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      for (;;) {
        const info = spawnSync(cli, ['-p', String(node.port), 'cluster', 'info'], { encoding: 'utf8' });
        if (info.stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} never reached cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return { nodes, stop: async () => void (await Promise.all(nodes.map((node) => node.stop()))) };
}
