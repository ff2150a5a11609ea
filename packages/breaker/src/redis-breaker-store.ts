import type { Closable } from '@palisade/core';
import type { CircuitKind, CircuitRecord } from './circuit-record.js';
import { ProbeCounter } from './probe-counter.js';
import type { CircuitLink } from './redis-circuit-link.js';
import type { CircuitOp } from './redis-circuit-script.js';
import { ProbeLeases } from './redis-probe-leases.js';
import { durationOf, isNewer, localRecord, type RemoteRecord, type ScriptReply } from './redis-remote-record.js';
import type { BreakerStore, BreakerStoreAttachment, ProbeTally } from './store.js';

/**
 * Where a store's record comes from: `shared` mirrors Redis; `pending` is a
 * change of this process's, sent to Redis and not confirmed yet; `own` is
 * this process's circuit alone (Redis out of reach, or a trip that has not
 * reached the quorum).
 */
export type CircuitSource = 'shared' | 'pending' | 'own';

/** A snapshot of one shared circuit as this process sees it. */
export interface RedisBreakerStoreStats {
  readonly name: string;
  readonly source: CircuitSource;
  /** The record's epoch in Redis, as last heard; undefined before the first read. */
  readonly remoteEpoch: number | undefined;
  /** Probe slots this process holds a lease on. */
  readonly probeLeases: number;
}

/**
 * The `BreakerStore` of one shared circuit, from `RedisBreakerBackend.store(name)`.
 *
 * Every method is synchronous and answers from a local mirror of the record
 * in Redis: a closed circuit costs no Redis command per call. Changes go to
 * Redis as Lua compare-and-set scripts, and come back from every process
 * through pub/sub. A change that protects (opening, isolating) takes effect
 * here at once and is confirmed later; a claim to probe waits for Redis,
 * which grants one probe slot (`halfOpen.probes`) to one process at a time.
 * While Redis is out of reach the store keeps the circuit on its own, as a
 * memory store would, and reconciles when Redis answers again.
 */
export class RedisBreakerStore implements BreakerStore, Closable {
  readonly name: string;
  /** Settles once the shared state has been read (or the store closed). While Redis is out of reach it waits; the breaker works on its own meanwhile. */
  readonly ready: Promise<void>;

  readonly #link: CircuitLink<RedisBreakerStore>;
  #view: CircuitRecord;
  #source: CircuitSource = 'shared';
  #remote: RemoteRecord | undefined;
  /** The backend's sequence tick when `#remote` was taken in. */
  #acceptedAt = 0;
  /** The Redis epoch the view mirrors; -1 when it mirrors nothing yet. */
  #viewRemoteEpoch = -1;
  #opSeq = 0;
  /** The op whose reply the view waits for (`pending`), or 0. */
  #viewOp = 0;
  #resolveReady!: () => void;

  readonly #probes: ProbeLeases;
  /** Probe counts of an `own` half-open record. */
  readonly #own = new ProbeCounter();
  /** Changed on its own while Redis was out of reach: meeting the shared state again is a reconciliation. */
  #diverged = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @internal Stores come from `RedisBreakerBackend.store(name)`. */
  constructor(name: string, link: CircuitLink<RedisBreakerStore>) {
    this.name = name;
    this.#link = link;
    this.#view = { kind: 'closed', epoch: 0, since: link.clock.now() };
    const store = this;
    this.#probes = new ProbeLeases(name, link, {
      get refusesGrants() {
        return store.#closed || store.#source === 'own';
      },
      accept: (reply) => void this.#accept(reply),
      follow: () => this.#follow(),
      pendingReply: (id, op, reply) => this.#onPendingReply(id, op, reply),
      pendingFailure: (id) => this.#onPendingFailure(id),
    });
    // Until it settles, nothing but this store may hold what awaits `ready`, and the backend holds
    // stores only weakly: the backend keeps the store until then, so neither is collected.
    link.hold(this);
    this.ready = new Promise<void>((resolve) => {
      this.#resolveReady = () => {
        link.release(this);
        resolve();
      };
    });
    if (link.connected) this.refresh();
  }

  // --- BreakerStore ---------------------------------------------------------------

  current(): CircuitRecord {
    return this.#view;
  }

  attach(breaker: BreakerStoreAttachment): void {
    this.#probes.attach(breaker);
  }

  transition(next: CircuitRecord): boolean {
    const from = this.#view;
    if (next.epoch !== from.epoch + 1) return false;
    if (this.#closed || !this.#link.connected) {
      this.#applyOwn(next);
      return true;
    }
    if (this.#source === 'own') return this.#transitionOwn(from, next);
    switch (next.kind) {
      case 'half-open':
        // Only Redis can say who probes: answer no now, and claim.
        if (this.#source === 'shared') this.#probes.claim(this.#viewRemoteEpoch);
        return false;
      case 'open':
        if (from.kind === 'closed') {
          this.#sendPending(next, 'trip', [
            durationOf(next),
            this.#link.quorum,
            this.#link.quorumWindow,
            this.#link.id,
          ]);
        } else if (!this.#attachDecision(from, next)) {
          // Half-open for too long (halfOpen.maxDuration): open again, if nobody has moved it meanwhile.
          this.#sendPending(next, 'set', [this.#viewRemoteEpoch, 'o', durationOf(next), next.attempt]);
        }
        return true;
      case 'closed':
        if (!this.#attachDecision(from, next)) this.#sendPending(next, 'set', ['', 'c', 0, 0]);
        return true;
      case 'isolated':
        this.#sendPending(next, 'set', ['', 'i', 0, 0]);
        return true;
    }
  }

  acquireProbe(epoch: number, limit: number): boolean {
    const view = this.#view;
    if (view.epoch !== epoch || view.kind !== 'half-open') return false;
    if (this.#source !== 'own' && (this.#closed || !this.#link.connected)) this.#goOwn();
    if (this.#source === 'own') {
      return this.#own.acquire(limit);
    }
    if (this.#probes.useGrant(this.#viewRemoteEpoch)) return true;
    if (this.#source === 'shared') this.#probes.claim(this.#viewRemoteEpoch);
    return false;
  }

  releaseProbe(epoch: number): void {
    const view = this.#view;
    if (view.epoch !== epoch || view.kind !== 'half-open') return;
    if (this.#source === 'own') {
      this.#own.release();
      return;
    }
    this.#probes.release(this.#viewRemoteEpoch);
  }

  recordProbe(epoch: number, succeeded: boolean): ProbeTally | undefined {
    const view = this.#view;
    if (view.epoch !== epoch || view.kind !== 'half-open') return undefined;
    if (this.#source === 'own') return this.#own.record(succeeded);
    const lease = this.#probes.settle(this.#viewRemoteEpoch, view.epoch, succeeded);
    if (lease === undefined) return undefined;
    // Outcomes only ever add up, so what this process knows is a lower bound:
    // a decision taken on it is one Redis takes too (the script decides again on the full tally).
    const remote = this.#remote;
    const known = remote !== undefined && remote.epoch === lease.epoch && remote.kind === 'half-open';
    return {
      inFlight: this.#probes.held,
      successes: (known ? remote.successes : 0) + (succeeded ? 1 : 0),
      failures: (known ? remote.failures : 0) + (succeeded ? 0 : 1),
    };
  }

  // --- the rest of the public surface --------------------------------------------

  stats(): RedisBreakerStoreStats {
    return {
      name: this.name,
      source: this.#source,
      remoteEpoch: this.#remote?.epoch,
      probeLeases: this.#probes.count,
    };
  }

  /** Reads the shared state now, as a refresh does. */
  refresh(): void {
    if (this.#closed) return;
    this.#send('read', [], (reply) => {
      this.#resolveReady();
      this.onRemote(reply);
    });
  }

  /**
   * Lets go of the shared circuit: probe slots go back, and the store stops
   * hearing of changes. The breaker keeps working on the record it has, on
   * its own. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#letGo();
    return this.#closing;
  }

  #letGo(): Promise<void> {
    this.#closed = true;
    this.#resolveReady();
    this.#link.forget(this);
    const leases = this.#probes.surrender();
    if (this.#source !== 'own') this.#goOwn();
    if (!this.#link.connected) return Promise.resolve();
    return Promise.all(
      leases.map(
        (lease) =>
          new Promise<void>((resolve) =>
            this.#link.send(this.name, 'release', [lease.epoch, lease.token], () => resolve(), resolve),
          ),
      ),
    ).then(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- what the backend tells the store --------------------------------------------

  /** @internal A record read from Redis or published by another process. */
  onRemote(record: RemoteRecord): void {
    if (this.#closed || !this.#accept(record)) return;
    this.#follow();
  }

  /** The view follows the newest remote record, unless a change of ours awaits its reply (which decides). */
  #follow(): void {
    const remote = this.#remote;
    if (this.#closed || remote === undefined || this.#viewOp !== 0) return;
    if (this.#source === 'own') {
      // Another process's open ends this one's own circuit: an open wins.
      if (remote.kind === 'open' || remote.kind === 'isolated') {
        const local = this.#view.kind;
        this.#adopt(false);
        this.#reconciled(local, remote.kind, remote.kind);
      }
    } else if (remote.epoch !== this.#viewRemoteEpoch) {
      this.#adopt(false);
    }
  }

  /** @internal Redis answers again after this store ran on its own: open wins. */
  reconcile(reply: ScriptReply): void {
    if (this.#closed) return;
    this.#resolveReady();
    this.#accept(reply);
    const remote = this.#remote as RemoteRecord;
    const local = this.#view;
    if (this.#source === 'shared') {
      if (remote.epoch !== this.#viewRemoteEpoch) this.#adopt(false);
      this.#reconciled(local.kind, remote.kind, this.#view.kind);
      return;
    }
    this.#viewOp = 0;
    this.#own.dropInFlight();
    const now = this.#link.clock.now();
    const localHolds =
      local.kind === 'isolated' || (local.kind === 'open' && local.until > now && this.#link.quorum === 1);
    const remoteHolds = remote.kind === 'open' || remote.kind === 'isolated';
    let result: CircuitKind;
    if (localHolds && !remoteHolds) {
      result = local.kind;
      if (local.kind === 'open') {
        this.#sendPending(local, 'set', [remote.epoch, 'o', Math.max(0, local.until - now), local.attempt]);
      } else {
        this.#sendPending(local, 'set', ['', 'i', 0, 0]);
      }
    } else if (local.kind === 'open' && local.until > now && !remoteHolds) {
      // Quorum: tell Redis this process tripped; its own circuit stays open meanwhile.
      result = 'open';
      this.#source = 'own';
      this.#sendPending(local, 'trip', [
        Math.max(0, local.until - now),
        this.#link.quorum,
        this.#link.quorumWindow,
        this.#link.id,
      ]);
    } else {
      this.#adopt(false);
      result = remote.kind;
    }
    this.#diverged = true;
    this.#reconciled(local.kind, remote.kind, result);
  }

  /** Tells the backend, once per spell on its own, that this store met the shared state again. */
  #reconciled(local: CircuitKind, remote: CircuitKind, result: CircuitKind): void {
    if (!this.#diverged) return;
    this.#diverged = false;
    this.#link.reconciled({ name: this.name, local, remote, result });
  }

  // --- internals ----------------------------------------------------------------------

  #transitionOwn(from: CircuitRecord, next: CircuitRecord): boolean {
    if (next.kind === 'isolated') {
      this.#sendPending(next, 'set', ['', 'i', 0, 0]);
      return true;
    }
    this.#applyOwn(next);
    if (next.kind === 'closed' && from.kind !== 'isolated') {
      // This process's own circuit has closed: back to the shared one.
      const remote = this.#remote;
      this.#source = 'shared';
      if (remote === undefined || remote.kind === 'closed') {
        this.#viewRemoteEpoch = remote?.epoch ?? -1;
        if (remote === undefined) this.refresh();
      } else {
        this.#viewRemoteEpoch = -1;
        queueMicrotask(() => {
          if (this.#source === 'shared' && this.#viewOp === 0 && this.#remote !== undefined) this.#adopt(false);
        });
      }
    }
    return true;
  }

  /** A change that only this process makes: Redis is out of reach, or the store is closed. */
  #applyOwn(next: CircuitRecord): void {
    if (this.#source !== 'own') this.#goOwn();
    if (!this.#closed && !this.#link.connected) this.#diverged = true;
    this.#view = next;
    this.#viewOp = 0;
    this.#own.reset();
  }

  #goOwn(): void {
    this.#source = 'own';
    this.#viewOp = 0;
    this.#own.reset(this.#probes.abandon());
  }

  /** Shows `next` at once and sends `op`; the reply settles what the view becomes. */
  #sendPending(next: CircuitRecord, op: CircuitOp, args: readonly (string | number)[]): void {
    this.#view = next;
    this.#source = 'pending';
    const id = ++this.#opSeq;
    this.#viewOp = id;
    this.#link.send(
      this.name,
      op,
      args,
      (reply) => this.#onPendingReply(id, op, reply),
      () => this.#onPendingFailure(id),
    );
  }

  #onPendingReply(id: number, op: CircuitOp, reply: ScriptReply): void {
    if (this.#closed) return;
    this.#accept(reply);
    if (this.#viewOp !== id) {
      this.#follow();
      return;
    }
    this.#viewOp = 0;
    const remote = this.#remote as RemoteRecord;
    if (op === 'trip' && !reply.applied && reply.kind === 'closed' && remote.kind === 'closed') {
      // Redis counted the trip, but fewer processes than the quorum have tripped: this one stays open on its own.
      this.#source = 'own';
      return;
    }
    this.#adopt(reply.applied && reply.epoch === remote.epoch && remote.kind === this.#view.kind);
  }

  #onPendingFailure(id: number): void {
    // Redis did not answer: the change stands here, and the reconciliation settles it with Redis.
    if (this.#viewOp === id) {
      this.#viewOp = 0;
      this.#source = 'own';
    }
  }

  /** The view follows the newest remote record; `confirming` keeps the epoch when it confirms our own change. */
  #adopt(confirming: boolean): void {
    const remote = this.#remote;
    if (remote === undefined) return;
    const wasOwn = this.#source === 'own';
    this.#source = 'shared';
    this.#viewRemoteEpoch = remote.epoch;
    const epoch = confirming ? this.#view.epoch : this.#view.epoch + 1;
    this.#view = localRecord(remote, epoch, this.#link.offset);
    if (wasOwn || !confirming) this.#own.dropInFlight();
    this.#probes.follow(remote);
  }

  /** Keeps `record` if it is news; returns whether it was. */
  #accept(record: RemoteRecord): boolean {
    if (!isNewer(record, this.#remote, this.#acceptedAt)) return false;
    this.#remote = record;
    this.#acceptedAt = this.#link.sequence;
    return true;
  }

  #send(op: CircuitOp, args: readonly (string | number)[], onReply: (reply: ScriptReply) => void): void {
    this.#link.send(this.name, op, args, onReply, () => {});
  }

  /** Attaches the breaker's decision to the probe outcome it follows from, so both go to Redis in one script. */
  #attachDecision(from: CircuitRecord, next: CircuitRecord): boolean {
    if (from.kind !== 'half-open') return false;
    const op = this.#opSeq + 1;
    if (!this.#probes.attachDecision(from.epoch, next, op)) return false;
    this.#opSeq = op;
    this.#view = next;
    this.#source = 'pending';
    this.#viewOp = op;
    return true;
  }
}
