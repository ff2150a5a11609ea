import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from '@palisade/core';
import { JobQueue } from '@palisade/queue';
import { redisEngine } from '@palisade/queue/redis';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from '../../../../scripts/lib/redis-server.ts';
import { accountsOf, branchId, customerId, holderOf } from '../bank/accounts.ts';
import { homeQueueName } from '../bank/home-queue.ts';
import { openAccounts } from '../bank/ledger.ts';
import type { Acknowledgement, CallRecord, ClientReport, RequestedTransfer } from '../client/report.ts';
import type { AttackerConfig, BranchConfig, ClientConfig, QueueTimings } from '../common/config.ts';
import { type DirectoryChange, fromWire, type WireIdentity } from '../common/wire.ts';
import { Child } from './child.ts';
import { Collector } from './collector.ts';
import { HeadOffice } from './hq.ts';

export interface ClusterOptions {
  /** Branch processes at the start. */
  readonly branches: number;
  /** Client processes, one customer each. */
  readonly clients: number;
  readonly accountsPerBranch: number;
  readonly openingBalance: number;
  /** Transfers per second, per client. */
  readonly rate: number;
  readonly queue: QueueTimings;
  /** How long a branch waits for another to answer a request. */
  readonly requestTimeout: number;
  /** Share the clients' breakers through Redis. */
  readonly sharedBreakers: boolean;
  readonly seed: number;
  /** Where Redis, the keys and the logs go; a fresh temp dir by default, removed by `stop()`. */
  readonly dataDir?: string;
  readonly log: (line: string) => void;
}

export const defaultClusterOptions: Omit<ClusterOptions, 'log'> = {
  branches: 5,
  clients: 2,
  accountsPerBranch: 6,
  openingBalance: 1_000,
  rate: 20,
  queue: {
    shards: 2,
    leaseDuration: 3_000,
    heartbeatInterval: 500,
    lockDuration: 3_000,
    stalledInterval: 1_000,
    commandTimeout: 2_000,
  },
  requestTimeout: 3_000,
  sharedBreakers: true,
  seed: 1,
};

/** Everything the clients reported, gathered. */
export interface Reports {
  readonly requested: RequestedTransfer[];
  readonly acknowledged: Map<string, number>;
  readonly calls: CallRecord[];
}

/**
 * The supervisor's view of the bank: it starts Redis (its own
 * redis-server, on a free loopback port, with its files in a temp dir),
 * head office, the branches and the clients, knows every process by its
 * PID, and stops every one of them in `stop()`. Scenarios act through it:
 * kill and restart a branch, restart Redis, hand a branch's key to an
 * attacker, add a branch or a shard.
 */
export class Cluster {
  readonly options: ClusterOptions;
  readonly dir: string;
  readonly #ownDir: boolean;
  readonly hq: HeadOffice;
  readonly branches = new Map<string, Child>();
  readonly clients = new Map<string, Child>();
  readonly attackers: Child[] = [];
  readonly collector: Collector;
  readonly openingBalances = new Map<string, number>();
  readonly reports: Reports = { requested: [], acknowledged: new Map(), calls: [] };
  readonly #branchConfigs = new Map<string, BranchConfig>();
  readonly #credentials = new Map<string, Record<string, string>>();
  readonly #admin = new Map<string, JobQueue<{ transfer: () => null }>>();
  redis: RedisServer;
  queueShards: number;

  private constructor(options: ClusterOptions, dir: string, ownDir: boolean, redis: RedisServer) {
    this.options = options;
    this.dir = dir;
    this.#ownDir = ownDir;
    this.redis = redis;
    this.queueShards = options.queue.shards;
    this.hq = new HeadOffice(join(dir, 'keys'));
    this.collector = new Collector(
      () =>
        [...this.branches.values(), ...this.clients.values()]
          .filter((child) => child.metricsPort !== 0)
          .map((child) => ({ name: child.name, url: child.metricsUrl })),
      250,
    );
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const ownDir = options.dataDir === undefined;
    const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'palisade-cluster-'));
    for (const sub of ['keys', 'logs', 'redis', 'stolen']) mkdirSync(join(dir, sub), { recursive: true });
    const redis = await startRedisServer({ appendOnly: true, dir: join(dir, 'redis') });
    const cluster = new Cluster(options, dir, ownDir, redis);
    try {
      await cluster.#provision();
      await Promise.all(cluster.branchIds.map((id) => cluster.#startBranch(id, 0)));
      await Promise.all(
        Array.from({ length: options.clients }, (_, index) => cluster.#startClient(customerId(index + 1))),
      );
      cluster.collector.start();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** How often the collector scrapes every process. */
  get collectorInterval(): number {
    return 250;
  }

  get branchIds(): string[] {
    return [...this.#branchConfigs.keys()];
  }

  get accounts(): string[] {
    return [...this.openingBalances.keys()];
  }

  /** Every process the cluster started that still runs, for the table `npm run cluster` prints. */
  get processes(): Child[] {
    return [...this.branches.values(), ...this.clients.values(), ...this.attackers].filter((child) => child.running);
  }

  /** `kill -9` a branch. */
  async killBranch(id: string): Promise<void> {
    await this.branches.get(id)?.kill();
  }

  /** Starts a killed branch again, with its key file and its HTTP port. */
  async restartBranch(id: string): Promise<void> {
    const port = this.branches.get(id)?.httpPort ?? 0;
    await this.#startBranch(id, port);
  }

  /** `kill -9` Redis, then start it again on its port and dir: what survives is what its AOF had. */
  async restartRedis(downFor: number): Promise<void> {
    await this.redis.kill();
    await delay(downFor);
    this.redis = await this.redis.restart();
  }

  /** Copies a branch's key file, as a thief would, and starts an attacker process with it. */
  async startAttacker(victim: string, every: number): Promise<Child> {
    const stolen = join(this.dir, 'stolen', `${victim}.key`);
    cpSync(this.hq.keyFile(victim), stolen);
    const targets = this.branchIds.filter((id) => id !== victim);
    const victims = Object.fromEntries(targets.map((target) => [target, accountsOf(branchNumberOf(target), 1)[0]]));
    const config: AttackerConfig = {
      role: 'attacker',
      redisUrl: this.redis.url,
      stolenKeyFile: stolen,
      directory: this.hq.directory,
      targets,
      victims: victims as Record<string, string>,
      mule: accountsOf(branchNumberOf(victim), 1)[0] as string,
      customers: this.options.clients,
      every,
    };
    const attacker = await Child.start({
      name: `attacker-${this.attackers.length + 1}`,
      role: 'attacker',
      config,
      logFile: join(this.dir, 'logs', `attacker-${this.attackers.length + 1}.log`),
    });
    this.attackers.push(attacker);
    return attacker;
  }

  /**
   * What head office does about a stolen key: revoke it everywhere (every
   * channel on it closes), revoke the branch's credentials, have the branch
   * make a new key, trust that one, and issue new credentials for it.
   */
  async revokeAndRotate(branch: string): Promise<void> {
    await this.#broadcast({ kind: 'revoke', nodeId: branch });
    for (const revocationId of this.hq.revokeCredentialsOf(branch)) {
      await this.#broadcast({ kind: 'revoke-token', revocationId });
    }
    const identity = (await this.branches.get(branch)?.ask('rotate-key')) as WireIdentity;
    this.hq.replaced(fromWire(identity));
    await this.#broadcast({ kind: 'rotate', identity });
    const credentials = this.hq.credentialsFor(branch, this.branchIds);
    this.#credentials.set(branch, credentials);
    this.#branchConfigs.set(branch, { ...(this.#branchConfigs.get(branch) as BranchConfig), credentials });
    await this.branches.get(branch)?.ask('credentials', { credentials });
  }

  /** A new branch, with new (empty) accounts and a queue of its own, joining under load. */
  async addBranch(): Promise<string> {
    const number = this.branchIds.length + 1;
    const id = branchId(number);
    const accounts = accountsOf(number, this.options.accountsPerBranch);
    await this.#withRedis((redis) => openAccounts(redis, accounts, 0));
    for (const account of accounts) this.openingBalances.set(account, 0);
    const identity = this.hq.enrol(id);
    await this.#broadcast({ kind: 'register', identity });
    const existing = this.branchIds;
    this.#configureBranch(id, [...existing, id]);
    for (const other of existing) {
      const credentials = { ...this.#credentials.get(other), ...this.hq.credentialsFor(other, [id]) };
      this.#credentials.set(other, credentials);
      await this.branches.get(other)?.ask('credentials', { credentials });
      await this.branches.get(other)?.ask('add-home', { home: id });
    }
    await this.#startBranch(id, 0);
    const endpoints = this.#endpoints();
    for (const client of this.clients.values()) {
      await client.ask('endpoints', { endpoints });
      await client.ask('destinations', { accounts });
    }
    return id;
  }

  /** Resizes every branch's transfer queue to `shards`, under load; resolves when the handoffs are done. */
  async resizeQueues(shards: number): Promise<void> {
    this.queueShards = shards;
    await Promise.all(this.branchIds.map((home) => this.#adminQueue(home).resize(shards)));
  }

  /** Gathers what the clients did since they last reported. */
  async collectReports(): Promise<void> {
    for (const client of this.clients.values()) {
      if (!client.running) continue;
      const report = (await client.ask('report')) as ClientReport;
      this.reports.requested.push(...report.created);
      for (const { id, at } of report.acknowledged as Acknowledgement[]) this.reports.acknowledged.set(id, at);
      this.reports.calls.push(...report.calls);
    }
  }

  async pauseClients(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.ask('pause')));
  }

  async resumeClients(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.ask('resume')));
  }

  /**
   * Waits until every acknowledged transfer has an outcome in the ledger
   * (so that "lost" means lost, not late), at most `within` ms; resolves
   * with how many still had none.
   */
  async drain(within: number): Promise<number> {
    const deadline = Date.now() + within;
    const waiting = new Set(this.reports.acknowledged.keys());
    await this.#withRedis(async (redis) => {
      while (waiting.size > 0 && Date.now() < deadline) {
        const ids = [...waiting];
        const outcomes = await redis.hmget('bank:{ledger}:outcomes', ...ids).catch(() => ids.map(() => null));
        ids.forEach((id, index) => {
          if (outcomes[index] !== null) waiting.delete(id);
        });
        if (waiting.size > 0) await delay(200);
      }
    });
    return waiting.size;
  }

  /** Stops every process it started, by PID, then Redis; removes its temp dir unless `keepDir`. */
  async stop({ keepDir = false } = {}): Promise<void> {
    this.collector.stop();
    await Promise.all([...this.#admin.values()].map((queue) => queue.close().catch(() => {})));
    await Promise.all(this.attackers.map((child) => child.stop(3_000)));
    await Promise.all([...this.clients.values()].map((child) => child.stop()));
    await Promise.all([...this.branches.values()].map((child) => child.stop()));
    await this.redis.stop({ keepDir: true });
    if (this.#ownDir && !keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  async #provision(): Promise<void> {
    const { branches, clients, accountsPerBranch, openingBalance } = this.options;
    const ids = Array.from({ length: branches }, (_, index) => branchId(index + 1));
    await this.#withRedis(async (redis) => {
      for (let number = 1; number <= branches; number++) {
        const accounts = accountsOf(number, accountsPerBranch);
        await openAccounts(redis, accounts, openingBalance);
        for (const account of accounts) this.openingBalances.set(account, openingBalance);
      }
    });
    for (const id of ids) this.hq.enrol(id);
    for (let index = 1; index <= clients; index++) this.hq.enrol(customerId(index));
    for (const id of ids) this.#configureBranch(id, ids);
  }

  #configureBranch(id: string, homes: readonly string[]): void {
    const credentials = this.hq.credentialsFor(id, homes);
    this.#credentials.set(id, credentials);
    this.#branchConfigs.set(id, {
      role: 'branch',
      id,
      redisUrl: this.redis.url,
      keyFile: this.hq.keyFile(id),
      directory: this.hq.directory,
      credentials,
      homes,
      customers: this.options.clients,
      httpPort: 0,
      queue: { ...this.options.queue, shards: this.queueShards },
      requestTimeout: this.options.requestTimeout,
    });
  }

  async #startBranch(id: string, httpPort: number): Promise<void> {
    const base = this.#branchConfigs.get(id) as BranchConfig;
    // A restarted branch starts from what head office knows now: the directory and its current credentials.
    const config: BranchConfig = {
      ...base,
      httpPort,
      directory: this.hq.directory,
      credentials: this.#credentials.get(id) ?? base.credentials,
      homes: this.branchIds,
    };
    const child = await Child.start({
      name: id,
      role: 'branch',
      config,
      logFile: join(this.dir, 'logs', `${id}.log`),
    });
    this.branches.set(id, child);
  }

  async #startClient(id: string): Promise<void> {
    const number = Number(id.slice('customer-'.length));
    const config: ClientConfig = {
      role: 'client',
      id,
      redisUrl: this.redis.url,
      keyFile: this.hq.keyFile(id),
      directory: this.hq.directory,
      endpoints: this.#endpoints(),
      accounts: this.accounts.filter((account) => holderOf(account, this.options.clients) === id),
      destinations: this.accounts,
      rate: this.options.rate,
      seed: this.options.seed * 1_000 + number,
      sharedBreakers: this.options.sharedBreakers,
    };
    const child = await Child.start({ name: id, role: 'client', config, logFile: join(this.dir, 'logs', `${id}.log`) });
    this.clients.set(id, child);
  }

  #endpoints(): { id: string; url: string }[] {
    return [...this.branches.values()]
      .filter((child) => child.httpPort !== undefined)
      .map((child) => ({ id: child.name, url: `http://127.0.0.1:${child.httpPort}` }));
  }

  async #broadcast(change: DirectoryChange): Promise<void> {
    await Promise.all(
      [...this.branches.values()]
        .filter((child) => child.running)
        .map((child) => child.ask('directory', { change }).catch(() => {})),
    );
  }

  #adminQueue(home: string): JobQueue<{ transfer: () => null }> {
    let queue = this.#admin.get(home);
    if (queue === undefined) {
      // Head office's own view of a queue: it adds no jobs and runs none, it only resizes.
      queue = new JobQueue({
        name: homeQueueName(home),
        engine: redisEngine({
          connection: this.redis.url,
          leaseDuration: this.options.queue.leaseDuration,
          heartbeatInterval: this.options.queue.heartbeatInterval,
          lockDuration: this.options.queue.lockDuration,
          stalledInterval: this.options.queue.stalledInterval,
          commandTimeout: this.options.queue.commandTimeout,
        }),
        work: false,
        shards: this.options.queue.shards,
        handlers: { transfer: () => null },
      });
      this.#admin.set(home, queue);
    }
    return queue;
  }

  async #withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.redis.url, { maxRetriesPerRequest: 3 });
    redis.on('error', () => {});
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }
}

const branchNumberOf = (id: string): number => Number(id.slice('branch-'.length));
