import {
  type Closable,
  type Event,
  InvalidArgumentError,
  InvalidOptionError,
  PalisadeError,
  type TimerHandle,
  unrefTimer,
} from '@palisade/core';
import { functionOption, LazyEmitters, optionsObject } from '@palisade/core/internal';
import type { CircuitBreakerOptions } from './breaker-options.js';
import { BreakerRegistry, type BreakerRegistryOptions } from './breaker-registry.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import {
  type RedisBreakerBackendOptions,
  type ResolvedBackendOptions,
  resolveBackendOptions,
} from './redis-breaker-options.js';
import { type CircuitLink, type RedisBreakerReconcileEvent, RedisBreakerStore } from './redis-breaker-store.js';
import { CIRCUIT_SCRIPT, CIRCUIT_SCRIPT_SHA, type CircuitOp } from './redis-circuit-script.js';
import { createClient } from './redis-connection.js';
import { parseChange, parseReply, type ScriptReply } from './redis-remote-record.js';

/** What `onConnectionChange` carries. */
export interface RedisBreakerConnectionEvent {
  /** Whether Redis answers and the subscription is live; while false, every circuit runs on its own. */
  readonly connected: boolean;
}

/** A snapshot of a backend's counters. The totals never decrease. */
export interface RedisBreakerBackendStats {
  readonly connected: boolean;
  /** Circuit names this process holds a store for. */
  readonly circuits: number;
  /** Scripts sent to Redis. */
  readonly commands: number;
  /** Scripts that failed or did not answer within `commandTimeout`. */
  readonly failedCommands: number;
  /** Changes heard on the pub/sub channel (every process's, this one's included). */
  readonly messages: number;
  /** How many times the backend lost Redis (or its subscription) and fell back to local circuits. */
  readonly disconnects: number;
  /** Circuits that ran on their own and were reconciled with Redis. */
  readonly reconciles: number;
  /** Redis's clock minus the local clock, in ms, as measured on the fastest recent round trip. */
  readonly clockOffset: number;
  /** That round trip, in ms; Infinity before the first. */
  readonly roundTrip: number;
}

/** Options of `RedisBreakerBackend.registry()`: a `BreakerRegistry`'s, and how keys name circuits. */
export interface RedisBreakerRegistryOptions<K> extends BreakerRegistryOptions<K> {
  /**
   * The shared circuit's name for a key. Processes share a key's circuit when
   * they give it the same name.
   * @default String(key)
   */
  readonly circuitName?: (key: K) => string;
}

/** A backend was used after `close()`. */
export class BreakerBackendClosedError extends PalisadeError {
  override readonly name: string = 'BreakerBackendClosedError';
  declare readonly code: 'ERR_PALISADE_BREAKER_BACKEND_CLOSED';

  constructor() {
    super(
      'ERR_PALISADE_BREAKER_BACKEND_CLOSED',
      'The Redis breaker backend is closed: it makes no new stores. Create a new RedisBreakerBackend.',
    );
  }
}

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

/** Circuits a reconciliation or a refresh reads at once. */
const READ_BATCH = 500;

/**
 * Shared circuit-breaker state in Redis: one backend per process, one
 * `store(name)` per shared circuit.
 *
 * ```ts
 * const backend = new RedisBreakerBackend({ connection: 'redis://127.0.0.1:6379' });
 * const breaker = new CircuitBreaker({ store: backend.store('payments') });
 * ```
 *
 * The backend holds the pub/sub subscription that keeps every store's mirror
 * current, checks it every `staleness / 2`, measures the offset between
 * Redis's clock and the local one, and reconciles the circuits that ran on
 * their own while Redis was out of reach. It never makes a call wait for
 * Redis, and never fails one because Redis is down.
 */
export class RedisBreakerBackend implements Closable {
  /** This process's name in the quorum and in probe leases. */
  readonly id: string;
  readonly #options: ResolvedBackendOptions;
  readonly #redis: Connection;
  readonly #subscriber: SubscriberConnection;
  readonly #channel: string;
  readonly #link: CircuitLink;
  readonly #circuits = new Map<string, Set<WeakRef<RedisBreakerStore>>>();
  /** Stores whose `ready` is pending: held strongly, since what awaits it may be held only by them. */
  readonly #held = new Set<RedisBreakerStore>();
  readonly #finalizer = new FinalizationRegistry<{ name: string; ref: WeakRef<RedisBreakerStore> }>(({ name, ref }) =>
    this.#dropRef(name, ref),
  );
  readonly #events = new LazyEmitters<{
    reconcile: RedisBreakerReconcileEvent;
    connectionChange: RedisBreakerConnectionEvent;
  }>();
  #connected = false;
  #closing: Promise<void> | undefined;
  /** A recovery's commands still on the wire: the next recovery waits for them rather than pile up more. */
  #recovery: Promise<unknown> | undefined;
  #timer: TimerHandle | undefined;
  #refreshTimer: TimerHandle | undefined;
  #pingPending = false;
  #offset = 0;
  #roundTrip = Number.POSITIVE_INFINITY;
  #sampledAt = Number.NEGATIVE_INFINITY;
  #tokens = 0;
  #sequence = 0;
  #commands = 0;
  #failedCommands = 0;
  #messages = 0;
  #disconnects = 0;
  #reconciles = 0;

  constructor(options: RedisBreakerBackendOptions) {
    const resolved = resolveBackendOptions(options);
    this.#options = resolved;
    this.id = resolved.id;
    this.#channel = `${resolved.prefix}:breaker:changes`;
    // Commands fail at once while the connection is down, rather than queue: a circuit then runs on its own.
    this.#redis = createClient(resolved.connection, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    }) as unknown as Connection;
    this.#subscriber = createClient(resolved.connection, {}) as unknown as SubscriberConnection;
    const backend = this;
    this.#link = {
      clock: resolved.clock,
      staleness: resolved.staleness,
      leaseDuration: resolved.leaseDuration,
      heartbeatInterval: resolved.heartbeatInterval,
      quorum: resolved.quorum,
      quorumWindow: resolved.quorumWindow,
      id: resolved.id,
      get connected() {
        return backend.#connected;
      },
      get offset() {
        return backend.#offset;
      },
      get sequence() {
        return backend.#sequence;
      },
      newToken: () => `${this.id}:${++this.#tokens}`,
      send: (name, op, args, onReply, onFailure) => this.#send(name, op, args, onReply, onFailure),
      forget: (store) => this.#forget(store),
      hold: (store) => void this.#held.add(store),
      release: (store) => void this.#held.delete(store),
      reconciled: (event) => {
        this.#reconciles++;
        this.#events.emit('reconcile', event);
      },
    };

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
    this.#armRefresh();
  }

  /** Fires when a circuit that ran on its own meets the shared state again (after Redis was out of reach). */
  get onReconcile(): Event<RedisBreakerReconcileEvent> {
    return this.#events.on('reconcile');
  }

  /** Fires when the backend loses Redis (circuits run on their own) or finds it again. */
  get onConnectionChange(): Event<RedisBreakerConnectionEvent> {
    return this.#events.on('connectionChange');
  }

  /** Whether Redis answers and the subscription is live. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * The store of the shared circuit `name`, for one breaker:
   * `new CircuitBreaker({ store: backend.store('payments') })`. Breakers in
   * any process share the circuit when their backends share Redis, `prefix`
   * and `name`. Throws `BreakerBackendClosedError` after `close()`.
   */
  store(name: string): RedisBreakerStore {
    if (typeof name !== 'string' || name === '' || name.includes('\n')) {
      throw new InvalidArgumentError('name', 'a non-empty string without a newline', name);
    }
    if (this.#closing !== undefined) throw new BreakerBackendClosedError();
    const store = new RedisBreakerStore(name, this.#link);
    const ref = new WeakRef(store);
    let refs = this.#circuits.get(name);
    if (refs === undefined) {
      refs = new Set();
      this.#circuits.set(name, refs);
    }
    refs.add(ref);
    // A store nobody holds any more (its breaker was dropped) stops being told of changes.
    this.#finalizer.register(store, { name, ref }, store);
    return store;
  }

  /**
   * A `BreakerRegistry` whose breakers share their circuits through this
   * backend: keyed shared breakers, created on first use and dropped when
   * idle, so memory stays bounded however many keys there are. A dropped
   * breaker's store is closed. `breaker` gives each key's options as usual,
   * except the store, which the backend provides.
   */
  registry<K = string>(options: RedisBreakerRegistryOptions<K> = {}): BreakerRegistry<K> {
    const { circuitName = String, breaker = {}, ...registryOptions } = optionsObject('options', options);
    functionOption('circuitName', circuitName);
    const optionsFor = typeof breaker === 'function' ? breaker : sharedBreakerOptions<K>(breaker);
    const stores = new WeakMap<CircuitBreaker, RedisBreakerStore>();
    let created: RedisBreakerStore | undefined;
    const registry = new BreakerRegistry<K>({
      ...registryOptions,
      breaker: (key) => {
        const keyOptions = optionsObject('breaker', optionsFor(key));
        if (keyOptions.store !== undefined) {
          throw new InvalidOptionError(
            'breaker.store',
            'no store: the backend gives each key its own',
            keyOptions.store,
          );
        }
        created = this.store((circuitName as (key: K) => string)(key));
        return { ...keyOptions, store: created };
      },
    });
    registry.onCreate(({ breaker: made }) => {
      if (created !== undefined) stores.set(made, created);
      created = undefined;
    });
    registry.onEvict(({ breaker: evicted }) => void stores.get(evicted)?.close());
    return registry;
  }

  stats(): RedisBreakerBackendStats {
    return {
      connected: this.#connected,
      circuits: this.#circuits.size,
      commands: this.#commands,
      failedCommands: this.#failedCommands,
      messages: this.#messages,
      disconnects: this.#disconnects,
      reconciles: this.#reconciles,
      clockOffset: this.#offset,
      roundTrip: this.#roundTrip,
    };
  }

  /**
   * Gives back every probe slot this process holds, closes every store (their
   * breakers go on, on their own) and both of the backend's connections.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- commands ----------------------------------------------------------------------

  #send(
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
    this.#commands++;
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      this.#failedCommands++;
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
            this.#failedCommands++;
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
        this.#failedCommands++;
        onFailure();
        this.#lost();
      },
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

  // --- the subscription ---------------------------------------------------------------

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel) return;
    this.#messages++;
    this.#sequence++;
    const change = parseChange(message);
    if (change === undefined) return;
    for (const store of this.#storesOf(change.name)) store.onRemote(change.record);
  }

  #lost(): void {
    if (this.#closing !== undefined) return;
    if (this.#connected) {
      this.#connected = false;
      this.#disconnects++;
      this.#events.emit('connectionChange', { connected: false });
    }
    this.#scheduleRecovery(this.#options.staleness / 2);
  }

  #scheduleRecovery(delay: number): void {
    if (this.#closing !== undefined || this.#connected) return;
    this.#setTimer(() => void this.#recover(), delay);
  }

  async #recover(): Promise<void> {
    if (this.#closing !== undefined || this.#connected) return;
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
    if (this.#closing !== undefined || this.#connected) return;
    const seconds = Number((time as unknown[])?.[0]);
    const micros = Number((time as unknown[])?.[1]);
    if (Number.isFinite(seconds) && Number.isFinite(micros)) {
      this.#sample(started, clock.now(), seconds * 1000 + Math.floor(micros / 1000));
    }
    this.#connected = true;
    this.#pingPending = false;
    this.#events.emit('connectionChange', { connected: true });
    this.#heartbeat();
    await this.#readAll((store, reply) => store.reconcile(reply));
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

  #armRefresh(): void {
    const interval = this.#options.refreshInterval;
    if (interval === Number.POSITIVE_INFINITY || this.#closing !== undefined) return;
    this.#refreshTimer = this.#options.clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      const done = this.#connected ? this.#readAll((store, reply) => store.onRemote(reply)) : Promise.resolve();
      void done.then(() => this.#armRefresh());
    }, interval);
    unrefTimer(this.#refreshTimer);
  }

  /** Reads every circuit this process holds, a batch at a time, and hands each reply to its stores. */
  async #readAll(apply: (store: RedisBreakerStore, reply: ScriptReply) => void): Promise<void> {
    const names = [...this.#circuits.keys()];
    for (let start = 0; start < names.length && this.#connected; start += READ_BATCH) {
      await Promise.all(
        names.slice(start, start + READ_BATCH).map(
          (name) =>
            new Promise<void>((resolve) =>
              this.#send(
                name,
                'read',
                [],
                (reply) => {
                  for (const store of this.#storesOf(name)) apply(store, reply);
                  resolve();
                },
                resolve,
              ),
            ),
        ),
      );
    }
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

  // --- stores ------------------------------------------------------------------------------

  #storesOf(name: string): RedisBreakerStore[] {
    const refs = this.#circuits.get(name);
    if (refs === undefined) return [];
    const stores: RedisBreakerStore[] = [];
    for (const ref of refs) {
      const store = ref.deref();
      if (store === undefined) refs.delete(ref);
      else stores.push(store);
    }
    if (refs.size === 0) this.#circuits.delete(name);
    return stores;
  }

  #forget(store: RedisBreakerStore): void {
    const refs = this.#circuits.get(store.name);
    if (refs === undefined) return;
    for (const ref of refs) if (ref.deref() === store) this.#dropRef(store.name, ref);
    this.#finalizer.unregister(store);
  }

  #dropRef(name: string, ref: WeakRef<RedisBreakerStore>): void {
    const refs = this.#circuits.get(name);
    if (refs === undefined) return;
    refs.delete(ref);
    if (refs.size === 0) this.#circuits.delete(name);
  }

  async #shutdown(): Promise<void> {
    const { clock, commandTimeout } = this.#options;
    if (this.#refreshTimer !== undefined) clock.clearTimeout(this.#refreshTimer);
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    const stores = [...this.#circuits.keys()].flatMap((name) => this.#storesOf(name));
    await Promise.all(stores.map((store) => store.close()));
    if (this.#connected) {
      this.#connected = false;
      this.#events.emit('connectionChange', { connected: false });
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
}

function sharedBreakerOptions<K>(options: CircuitBreakerOptions): (key: K) => CircuitBreakerOptions {
  const checked = optionsObject('breaker', options);
  for (const perBreaker of ['rule', 'store', 'initialState'] as const) {
    if (checked[perBreaker] !== undefined) {
      throw new InvalidOptionError(
        `breaker.${perBreaker}`,
        perBreaker === 'store'
          ? 'no store: the backend gives each key its own'
          : `a function of the key that returns options (each breaker needs its own ${perBreaker})`,
        checked[perBreaker],
      );
    }
  }
  return () => checked;
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  clock: { setTimeout(callback: () => void, ms: number): TimerHandle; clearTimeout(handle: TimerHandle): void },
): Promise<T> {
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
