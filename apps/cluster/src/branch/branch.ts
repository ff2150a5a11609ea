import type { Counter } from '@opentelemetry/api';
import { type Identity, KeyDirectory } from '@palisade/messaging';
import { instrumentChannel, instrumentKeyDirectory } from '@palisade/messaging/otel';
import { type JobContext, type JobEngine, JobQueue } from '@palisade/queue';
import { instrumentJobQueue } from '@palisade/queue/otel';
import { redisEngine } from '@palisade/queue/redis';
import { Redis } from 'ioredis';
import { homeOf } from '../bank/accounts.ts';
import { authoriseWrite, type Sender } from '../bank/authorise.ts';
import { homeQueueName, type WriteAnswer } from '../bank/home-queue.ts';
import { Ledger } from '../bank/ledger.ts';
import { parseTransfer, type Transfer } from '../bank/transfer.ts';
import type { BranchConfig } from '../common/config.ts';
import type { Question } from '../common/ipc.ts';
import { saveKey } from '../common/key-store.ts';
import type { Links } from '../common/links.ts';
import { type ProcessMetrics, startMetrics } from '../common/metrics.ts';
import { RedisHealth } from '../common/redis-health.ts';
import { RedisLinks } from '../common/redis-links.ts';
import { applyDirectoryChange, type DirectoryChange, fromWire, toWire } from '../common/wire.ts';
import { type BranchHttp, startBranchHttp } from './http.ts';
import { Peers } from './peers.ts';

/** What one branch asks another to do: write a transfer out of one of its accounts. */
interface WriteRequestBody {
  readonly kind: 'write';
  readonly credential?: string;
  readonly transfer: unknown;
  readonly fence: unknown;
}

type TransferHandlers = { transfer: (transfer: Transfer, context: JobContext) => Promise<WriteAnswer> };

interface Instruments {
  readonly writes: Counter;
  readonly requests: Counter;
  readonly sessions: Counter;
  readonly refusedFrames: Counter;
  readonly jobs: Counter;
}

/**
 * A branch: the home of its accounts (the only process that writes them),
 * a worker of every branch's transfer queue, and an HTTP front desk where
 * clients hand in transfers. Transfers out of another branch's accounts
 * are written by that branch, asked over a secure channel.
 */
export class Branch {
  readonly #config: BranchConfig;
  readonly #directory = new KeyDirectory();
  readonly #credentials = new Map<string, string>();
  readonly #verifiedCredentials = new Set<string>();
  readonly #queues = new Map<string, JobQueue<TransferHandlers>>();
  readonly #redis: Redis;
  readonly #health: RedisHealth;
  readonly #ledger: Ledger;
  readonly #links: Links;
  readonly #peers: Peers;
  readonly #metrics: ProcessMetrics;
  readonly #instruments: Instruments;
  readonly #engine: JobEngine;
  #identity: Identity;
  #http: BranchHttp | undefined;

  private constructor(config: BranchConfig, identity: Identity, metrics: ProcessMetrics) {
    this.#config = config;
    this.#identity = identity;
    this.#metrics = metrics;
    for (const entry of config.directory) this.#directory.register(fromWire(entry));
    this.#directory.onRevoke(() => this.#verifiedCredentials.clear());
    instrumentKeyDirectory(this.#directory, { name: 'bank', meterProvider: metrics.meterProvider });
    for (const [audience, token] of Object.entries(config.credentials)) this.#credentials.set(audience, token);
    this.#redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2_000 });
    this.#redis.on('error', () => {});
    this.#health = new RedisHealth(config.redisUrl, metrics.meter);
    this.#ledger = new Ledger(this.#redis, config.id);
    this.#links = new RedisLinks(config.redisUrl, config.queue.commandTimeout);
    const { meter } = metrics;
    this.#instruments = {
      writes: meter.createCounter('bank.writes', {
        description: 'Transfers this branch wrote to its accounts, by result (applied, declined, duplicate, stale).',
      }),
      requests: meter.createCounter('bank.requests', {
        description: 'Write requests other branches sent this branch, by peer and result (accepted, or the refusal).',
      }),
      sessions: meter.createCounter('bank.sessions', {
        description: 'Channels other branches opened to this branch, by the peer they authenticated as.',
      }),
      refusedFrames: meter.createCounter('bank.channel.refused', {
        description: 'Handshakes and frames this branch refused, by stage and messaging error code.',
      }),
      jobs: meter.createCounter('bank.jobs', {
        description: 'Transfer jobs this branch ran, by result (done, retry, redelivered).',
      }),
    };
    this.#peers = new Peers({
      identity: () => this.#identity,
      directory: this.#directory,
      links: this.#links,
      requestTimeout: config.requestTimeout,
      handle: (peer, body) => this.#answer(peer, body),
      onSession: (peer) => this.#instruments.sessions.add(1, { peer }),
      onRefused: (stage, code) => this.#instruments.refusedFrames.add(1, { stage, code }),
      onChannel: (channel, direction) =>
        instrumentChannel(channel, {
          name: direction === 'in' ? 'from-branches' : 'to-branches',
          meterProvider: metrics.meterProvider,
        }),
    });
    const timings = config.queue;
    this.#engine = redisEngine({
      connection: config.redisUrl,
      leaseDuration: timings.leaseDuration,
      heartbeatInterval: timings.heartbeatInterval,
      lockDuration: timings.lockDuration,
      stalledInterval: timings.stalledInterval,
      commandTimeout: timings.commandTimeout,
    });
  }

  static async start(config: BranchConfig, identity: Identity): Promise<Branch> {
    const metrics = await startMetrics(config.id);
    const branch = new Branch(config, identity, metrics);
    await branch.#peers.listen(config.id);
    for (const home of config.homes) branch.#openQueue(home);
    branch.#http = await startBranchHttp({
      port: config.httpPort,
      meter: metrics.meter,
      submit: (transfer) => branch.#submit(transfer),
    });
    return branch;
  }

  get ports(): { metricsPort: number; httpPort: number } {
    return { metricsPort: this.#metrics.port, httpPort: this.#http?.port ?? 0 };
  }

  /** The supervisor's questions: directory changes, new credentials, a new key, a new home queue. */
  async handle(question: Question): Promise<unknown> {
    switch (question.type) {
      case 'directory':
        applyDirectoryChange(this.#directory, question.change as DirectoryChange);
        return undefined;
      case 'credentials':
        this.#credentials.clear();
        for (const [audience, token] of Object.entries(question.credentials as Record<string, string>)) {
          this.#credentials.set(audience, token);
        }
        return undefined;
      case 'rotate-key': {
        this.#identity = this.#identity.rotate();
        saveKey(this.#config.keyFile, this.#identity);
        await this.#peers.reset();
        return toWire(this.#identity.publicIdentity);
      }
      case 'add-home':
        this.#openQueue(question.home as string);
        return undefined;
      default:
        throw new Error(`unknown question ${question.type}`);
    }
  }

  async close(): Promise<void> {
    await this.#http?.close();
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    await this.#peers.close();
    await this.#links.close();
    this.#health.close();
    this.#redis.disconnect();
    await this.#metrics.close();
  }

  #openQueue(home: string): void {
    if (this.#queues.has(home)) return;
    const queue = new JobQueue({
      name: homeQueueName(home),
      engine: this.#engine,
      shards: this.#config.queue.shards,
      handlers: { transfer: (transfer: Transfer, context: JobContext) => this.#work(transfer, context) },
      attempts: 1_000,
      backoff: (attempt) => Math.min(1_000, 100 * attempt),
    });
    queue.onRedelivered(() => this.#instruments.jobs.add(1, { result: 'redelivered' }));
    // A queue's backlog and shards are the same seen from any process (and reading them is a round of
    // Redis commands per scrape): its home branch reports them.
    if (home === this.#config.id) {
      instrumentJobQueue(queue, { name: homeQueueName(home), meterProvider: this.#metrics.meterProvider });
    }
    this.#queues.set(home, queue);
  }

  async #submit(body: unknown): Promise<'queued' | 'invalid'> {
    const transfer = parseTransfer(body);
    const home = transfer === undefined ? undefined : homeOf(transfer.from);
    const queue = home === undefined ? undefined : this.#queues.get(home);
    if (transfer === undefined || queue === undefined) return 'invalid';
    await queue.add('transfer', transfer, { key: transfer.from, id: transfer.id });
    return 'queued';
  }

  /** A transfer job: take the fencing token, then have the source account's home write it. */
  async #work(transfer: Transfer, context: JobContext): Promise<WriteAnswer> {
    const fence = await context.fencingToken();
    const home = homeOf(transfer.from) as string;
    let answer: WriteAnswer;
    if (home === this.#config.id) {
      answer = await this.#write('local', transfer, fence);
    } else {
      const body: WriteRequestBody = { kind: 'write', credential: this.#credentials.get(home), transfer, fence };
      answer = (await this.#peers.request(home, body).catch((error: unknown) => {
        this.#instruments.jobs.add(1, { result: 'retry' });
        throw error;
      })) as WriteAnswer;
    }
    // Right after this branch's key was replaced, a home may still see the old credential: try again shortly.
    if (answer.kind === 'refused' && answer.refusal === 'stale-credential') {
      this.#instruments.jobs.add(1, { result: 'retry' });
      throw new Error('the home refused a replaced credential');
    }
    this.#instruments.jobs.add(1, { result: 'done' });
    return answer;
  }

  async #answer(peer: string, body: unknown): Promise<WriteAnswer> {
    const request = body as WriteRequestBody | null;
    const transfer = parseTransfer(request?.transfer);
    const fence = request?.fence;
    if (request?.kind !== 'write' || transfer === undefined || typeof fence !== 'number') {
      this.#instruments.requests.add(1, { peer, result: 'malformed' });
      return { kind: 'refused', refusal: 'malformed' };
    }
    return this.#write({ peer, credential: request.credential }, transfer, fence);
  }

  async #write(sender: Sender, transfer: Transfer, fence: number): Promise<WriteAnswer> {
    const verdict = authoriseWrite(sender, transfer, {
      self: this.#config.id,
      directory: this.#directory,
      customers: this.#config.customers,
      verifiedCredentials: this.#verifiedCredentials,
    });
    const peer = sender === 'local' ? this.#config.id : sender.peer;
    if (!verdict.ok) {
      this.#instruments.requests.add(1, { peer, result: verdict.refusal });
      return { kind: 'refused', refusal: verdict.refusal };
    }
    this.#instruments.requests.add(1, { peer, result: 'accepted' });
    const result = await this.#ledger.write(transfer, fence);
    this.#instruments.writes.add(1, {
      result: result.kind === 'written' ? result.outcome : result.kind,
    });
    return result;
  }
}
