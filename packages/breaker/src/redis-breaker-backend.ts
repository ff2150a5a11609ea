import { type Closable, type Event, InvalidArgumentError, type TimerHandle, unrefTimer } from '@palisade/core';
import { LazyEmitters } from '@palisade/core/internal';
import type { BreakerRegistry } from './breaker-registry.js';
import { BreakerBackendClosedError } from './errors.js';
import { BackendConnection } from './redis-backend-connection.js';
import {
  type RedisBreakerBackendOptions,
  type ResolvedBackendOptions,
  resolveBackendOptions,
} from './redis-breaker-options.js';
import { type RedisBreakerRegistryOptions, sharedRegistry } from './redis-breaker-registry.js';
import { RedisBreakerStore } from './redis-breaker-store.js';
import type { CircuitLink, RedisBreakerReconcileEvent } from './redis-circuit-link.js';
import type { ScriptReply } from './redis-remote-record.js';
import { StoreRefs } from './redis-store-refs.js';

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
  readonly #connection: BackendConnection;
  readonly #link: CircuitLink<RedisBreakerStore>;
  readonly #stores = new StoreRefs();
  readonly #events = new LazyEmitters<{
    reconcile: RedisBreakerReconcileEvent;
    connectionChange: RedisBreakerConnectionEvent;
  }>();
  #closing: Promise<void> | undefined;
  #refreshTimer: TimerHandle | undefined;
  #tokens = 0;
  #reconciles = 0;

  constructor(options: RedisBreakerBackendOptions) {
    const resolved = resolveBackendOptions(options);
    this.#options = resolved;
    this.id = resolved.id;
    const connection = new BackendConnection(resolved, {
      connectionChange: (connected) => this.#events.emit('connectionChange', { connected }),
      change: (name, record) => {
        for (const store of this.#stores.of(name)) store.onRemote(record);
      },
      recovered: () => this.#readAll((store, reply) => store.reconcile(reply)),
    });
    this.#connection = connection;
    const stores = this.#stores;
    this.#link = {
      clock: resolved.clock,
      staleness: resolved.staleness,
      leaseDuration: resolved.leaseDuration,
      heartbeatInterval: resolved.heartbeatInterval,
      quorum: resolved.quorum,
      quorumWindow: resolved.quorumWindow,
      id: resolved.id,
      get connected() {
        return connection.connected;
      },
      get offset() {
        return connection.offset;
      },
      get sequence() {
        return connection.sequence;
      },
      newToken: () => `${this.id}:${++this.#tokens}`,
      send: (name, op, args, onReply, onFailure) => connection.send(name, op, args, onReply, onFailure),
      forget: (store) => stores.forget(store),
      hold: (store) => stores.hold(store),
      release: (store) => stores.release(store),
      reconciled: (event) => {
        this.#reconciles++;
        this.#events.emit('reconcile', event);
      },
    };
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
    return this.#connection.connected;
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
    // A store nobody holds any more (its breaker was dropped) stops being told of changes.
    this.#stores.add(store);
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
    return sharedRegistry((name) => this.store(name), options);
  }

  stats(): RedisBreakerBackendStats {
    const connection = this.#connection;
    return {
      connected: connection.connected,
      circuits: this.#stores.size,
      commands: connection.commands,
      failedCommands: connection.failedCommands,
      messages: connection.messages,
      disconnects: connection.disconnects,
      reconciles: this.#reconciles,
      clockOffset: connection.offset,
      roundTrip: connection.roundTrip,
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

  #armRefresh(): void {
    const interval = this.#options.refreshInterval;
    if (interval === Number.POSITIVE_INFINITY || this.#closing !== undefined) return;
    this.#refreshTimer = this.#options.clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      const done = this.#connection.connected
        ? this.#readAll((store, reply) => store.onRemote(reply))
        : Promise.resolve();
      void done.then(() => this.#armRefresh());
    }, interval);
    unrefTimer(this.#refreshTimer);
  }

  /** Reads every circuit this process holds, a batch at a time, and hands each reply to its stores. */
  async #readAll(apply: (store: RedisBreakerStore, reply: ScriptReply) => void): Promise<void> {
    const names = this.#stores.names();
    const connection = this.#connection;
    for (let start = 0; start < names.length && connection.connected; start += READ_BATCH) {
      await Promise.all(
        names.slice(start, start + READ_BATCH).map(
          (name) =>
            new Promise<void>((resolve) =>
              connection.send(
                name,
                'read',
                [],
                (reply) => {
                  for (const store of this.#stores.of(name)) apply(store, reply);
                  resolve();
                },
                resolve,
              ),
            ),
        ),
      );
    }
  }

  async #shutdown(): Promise<void> {
    if (this.#refreshTimer !== undefined) this.#options.clock.clearTimeout(this.#refreshTimer);
    this.#connection.stop();
    const stores = this.#stores.names().flatMap((name) => this.#stores.of(name));
    await Promise.all(stores.map((store) => store.close()));
    await this.#connection.quit();
  }
}
