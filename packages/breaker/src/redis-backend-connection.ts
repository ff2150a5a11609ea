import { type Clock, type TimerHandle, unrefTimer } from '@palisade/core';
import type { ResolvedBackendOptions } from './redis-breaker-options.js';
import { CIRCUIT_SCRIPT, CIRCUIT_SCRIPT_SHA, type CircuitOp } from './redis-circuit-script.js';
import { createClient } from './redis-connection.js';
import { parseChange, parseReply, type RemoteRecord, type ScriptReply } from './redis-remote-record.js';

/** The part of an ioredis connection the backend uses. */
interface Connection {
  readonly status?: string;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

interface SubscriberConnection extends Connection {
  subscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
}

/** What the connection tells its backend. */
export interface BackendConnectionHandlers {
  /** Redis was lost (false) or found again (true). */
  connectionChange(connected: boolean): void;
  /** A change heard on the channel. */
  change(name: string, record: RemoteRecord): void;
  /** Redis answers again and the subscription is live: the circuits that ran on their own meet the shared state. */
  recovered(): Promise<void>;
}

/**
 * A backend's two connections to Redis: one for the circuit script and one
 * for the pub/sub subscription that carries every change. It counts itself
 * connected only while both answer: a command that fails or times out, or a
 * subscription ping left unanswered for `staleness / 2`, counts as losing
 * Redis, and it then tries again every `staleness / 2`. It also measures the
 * offset between Redis's clock and the local one from the replies.
 */
export class BackendConnection {
  readonly #options: ResolvedBackendOptions;
  readonly #handlers: BackendConnectionHandlers;
  readonly #redis: Connection;
  readonly #subscriber: SubscriberConnection;
  readonly #channel: string;
  #connected = false;
  #stopped = false;
  /** A recovery's commands still on the wire: the next recovery waits for them rather than pile up more. */
  #recovery: Promise<unknown> | undefined;
  #timer: TimerHandle | undefined;
  #pingPending = false;
  #offset = 0;
  #roundTrip = Number.POSITIVE_INFINITY;
  #sampledAt = Number.NEGATIVE_INFINITY;
  #sequence = 0;
  commands = 0;
  failedCommands = 0;
  messages = 0;
  disconnects = 0;

  constructor(options: ResolvedBackendOptions, handlers: BackendConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#channel = `${options.prefix}:breaker:changes`;
    // Commands fail at once while the connection is down, rather than queue: a circuit then runs on its own.
    this.#redis = createClient(options.connection, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    }) as unknown as Connection;
    this.#subscriber = createClient(options.connection, {}) as unknown as SubscriberConnection;
    const lost = (): void => this.#lost();
    const maybeReady = (): void => this.#scheduleRecovery(0);
    for (const connection of [this.#redis, this.#subscriber]) {
      connection.on('close', lost);
      connection.on('end', lost);
      connection.on('ready', maybeReady);
    }
    const subscriber = this.#subscriber;
    subscriber.on('message', ((channel: string, message: string) => this.#onMessage(channel, message)) as never);
    this.#scheduleRecovery(0);
  }

  /** Whether Redis answers and the subscription is live. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Redis's clock minus the local clock, in ms, as measured on the fastest recent round trip. */
  get offset(): number {
    return this.#offset;
  }

  /** That round trip, in ms; Infinity before the first. */
  get roundTrip(): number {
    return this.#roundTrip;
  }

  /** A tick that moves on with every command sent and every change heard. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Runs the circuit script on circuit `name`; `onReply` may come after `onFailure` (a reply later than the timeout). */
  send(
    name: string,
    op: CircuitOp,
    args: readonly (string | number)[],
    onReply: (reply: ScriptReply) => void,
    onFailure: () => void,
  ): void {
    if (!this.#connected) {
      queueMicrotask(onFailure);
      return;
    }
    const { clock, prefix, ttl, commandTimeout } = this.#options;
    const tag = `${prefix}:breaker:{${name}}`;
    const started = clock.now();
    const sentAt = ++this.#sequence;
    this.commands++;
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      this.failedCommands++;
      onFailure();
      this.#lost();
    }, commandTimeout);
    unrefTimer(timer);
    this.#eval([`${tag}:state`, `${tag}:probes`, `${tag}:trips`], [op, this.#channel, name, ttl, ...args]).then(
      (raw) => {
        clock.clearTimeout(timer);
        const reply = parseReply(raw, sentAt);
        if (reply === undefined) {
          if (!timedOut) {
            this.failedCommands++;
            onFailure();
          }
          return;
        }
        this.#sample(started, clock.now(), reply.now);
        // Even after the timeout: a late reply is still the truth, and may hold a probe slot to give back.
        onReply(reply);
      },
      () => {
        clock.clearTimeout(timer);
        if (timedOut) return;
        this.failedCommands++;
        onFailure();
        this.#lost();
      },
    );
  }

  /** Stops trying to recover and pinging; commands still go while connected (so that stores can give slots back). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
  }

  /** Counts as disconnected and quits both connections (dropping them if Redis does not answer). */
  async quit(): Promise<void> {
    const { clock, commandTimeout } = this.#options;
    if (this.#connected) {
      this.#connected = false;
      this.#handlers.connectionChange(false);
    }
    await Promise.all(
      [this.#redis, this.#subscriber].map(async (connection) => {
        try {
          await withTimeout(connection.quit(), commandTimeout, clock);
        } catch {
          // Quitting needs Redis; without it, dropping the socket is all there is to do.
        } finally {
          connection.disconnect();
        }
      }),
    );
  }

  async #eval(keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#redis.call('EVALSHA', CIRCUIT_SCRIPT_SHA, keys.length, ...keys, ...argv);
    } catch (error) {
      // Redis forgets scripts when it restarts; the first call after that sends the source.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.#redis.call('EVAL', CIRCUIT_SCRIPT, keys.length, ...keys, ...argv);
    }
  }

  /** Keeps the offset measured on the fastest round trip, and takes a fresh one now and then so that drift is followed. */
  #sample(started: number, finished: number, redisNow: number): void {
    const roundTrip = finished - started;
    if (roundTrip <= this.#roundTrip || finished - this.#sampledAt > 30_000) {
      this.#roundTrip = roundTrip;
      this.#offset = redisNow - (started + finished) / 2;
      this.#sampledAt = finished;
    }
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel) return;
    this.messages++;
    this.#sequence++;
    const change = parseChange(message);
    if (change === undefined) return;
    this.#handlers.change(change.name, change.record);
  }

  #lost(): void {
    if (this.#stopped) return;
    if (this.#connected) {
      this.#connected = false;
      this.disconnects++;
      this.#handlers.connectionChange(false);
    }
    this.#scheduleRecovery(this.#options.staleness / 2);
  }

  #scheduleRecovery(delay: number): void {
    if (this.#stopped || this.#connected) return;
    this.#setTimer(() => void this.#recover(), delay);
  }

  async #recover(): Promise<void> {
    if (this.#stopped || this.#connected) return;
    const { staleness, commandTimeout, clock } = this.#options;
    const ready = (connection: Connection): boolean => connection.status === undefined || connection.status === 'ready';
    if (this.#recovery !== undefined || !ready(this.#redis) || !ready(this.#subscriber)) {
      this.#scheduleRecovery(staleness / 2);
      return;
    }
    const started = clock.now();
    const attempt = Promise.all([this.#subscriber.subscribe(this.#channel), this.#redis.call('TIME')]);
    this.#recovery = attempt;
    attempt.then(
      () => {
        if (this.#recovery === attempt) this.#recovery = undefined;
      },
      () => {
        if (this.#recovery === attempt) this.#recovery = undefined;
      },
    );
    let time: unknown;
    try {
      [, time] = await withTimeout(attempt, commandTimeout, clock);
    } catch {
      this.#scheduleRecovery(staleness / 2);
      return;
    }
    if (this.#stopped || this.#connected) return;
    const seconds = Number((time as unknown[])?.[0]);
    const micros = Number((time as unknown[])?.[1]);
    if (Number.isFinite(seconds) && Number.isFinite(micros)) {
      this.#sample(started, clock.now(), seconds * 1000 + Math.floor(micros / 1000));
    }
    this.#connected = true;
    this.#pingPending = false;
    this.#handlers.connectionChange(true);
    this.#heartbeat();
    await this.#handlers.recovered();
  }

  /** Pings the subscription every `staleness / 2`; a ping still unanswered at the next beat means the mirror can no longer be trusted. */
  #heartbeat(): void {
    if (!this.#connected) return;
    if (this.#pingPending) {
      this.#lost();
      return;
    }
    this.#pingPending = true;
    this.#subscriber.ping().then(
      () => {
        this.#pingPending = false;
      },
      () => this.#lost(),
    );
    this.#setTimer(() => this.#heartbeat(), this.#options.staleness / 2);
  }

  #setTimer(callback: () => void, delay: number): void {
    const clock = this.#options.clock;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      callback();
    }, delay);
    unrefTimer(this.#timer);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
    unrefTimer(timer);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
