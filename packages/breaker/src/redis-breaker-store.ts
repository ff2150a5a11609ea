import { type Clock, type Closable, InvalidOptionError, type TimerHandle, unrefTimer } from '@palisade/core';
import type { CircuitKind, CircuitRecord } from './circuit-record.js';
import type { CircuitOp } from './redis-circuit-script.js';
import { isNewer, localRecord, type RemoteRecord, type ScriptReply } from './redis-remote-record.js';
import type { BreakerStore, BreakerStoreAttachment, ProbeTally } from './store.js';

/**
 * Where a store's record comes from: `shared` mirrors Redis; `pending` is a
 * change of this process's, sent to Redis and not confirmed yet; `own` is
 * this process's circuit alone (Redis out of reach, or a trip that has not
 * reached the quorum).
 */
export type CircuitSource = 'shared' | 'pending' | 'own';

/** What `onReconcile` carries: a store ran on its own and has met the shared state again. */
export interface RedisBreakerReconcileEvent {
  readonly name: string;
  /** The state this process had reached on its own. */
  readonly local: CircuitKind;
  /** The shared state it found in Redis. */
  readonly remote: CircuitKind;
  /** The state both now hold: an open (or isolated) circuit wins over a closed one. */
  readonly result: CircuitKind;
}

/** A snapshot of one shared circuit as this process sees it. */
export interface RedisBreakerStoreStats {
  readonly name: string;
  readonly source: CircuitSource;
  /** The record's epoch in Redis, as last heard; undefined before the first read. */
  readonly remoteEpoch: number | undefined;
  /** Probe slots this process holds a lease on. */
  readonly probeLeases: number;
}

/** What a store needs from its backend. */
export interface CircuitLink {
  readonly clock: Clock;
  /** Whether Redis answers and the subscription is live. */
  readonly connected: boolean;
  /** Redis time minus local time, in ms. */
  readonly offset: number;
  readonly staleness: number;
  readonly leaseDuration: number;
  readonly heartbeatInterval: number;
  readonly quorum: number;
  readonly quorumWindow: number;
  readonly id: string;
  /** A tick that moves on with every command sent and every change heard: what orders replies against changes. */
  readonly sequence: number;
  newToken(): string;
  /** Runs the circuit script; `onReply` may come after `onFailure` (a reply later than the timeout). */
  send(
    name: string,
    op: CircuitOp,
    args: readonly (string | number)[],
    onReply: (reply: ScriptReply) => void,
    onFailure: () => void,
  ): void;
  forget(store: RedisBreakerStore): void;
  /** Keeps `store` from being garbage-collected until `release`. */
  hold(store: RedisBreakerStore): void;
  release(store: RedisBreakerStore): void;
  reconciled(event: RedisBreakerReconcileEvent): void;
}

interface Lease {
  readonly epoch: number;
  readonly token: string;
}

interface Grant extends Lease {
  readonly expiresAt: number;
}

interface QueuedSettle extends Lease {
  readonly succeeded: boolean;
  /** The local epoch of the half-open record the probe settled in. */
  readonly viewEpoch: number;
  /** The transition the breaker decided on in the same turn, sent along so Redis applies it atomically. */
  decision: CircuitRecord | undefined;
  /** The pending op that decision is, or 0. */
  decisionOp: number;
}

/** After a claim that got no slot, the next waits this long: half-open lasts one probe, and each call would otherwise ask. */
const CLAIM_SPACING = 20;

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

  readonly #link: CircuitLink;
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

  #attached: BreakerStoreAttachment | undefined;
  #grant: Grant | undefined;
  #grantTimer: TimerHandle | undefined;
  readonly #leases: Lease[] = [];
  #renewTimer: TimerHandle | undefined;
  #claimInFlight = false;
  #nextClaimAt = 0;
  readonly #settles: QueuedSettle[] = [];
  #flushQueued = false;
  /** Probe counts of an `own` half-open record, as a memory store keeps them. */
  #ownInFlight = 0;
  #ownSuccesses = 0;
  #ownFailures = 0;
  /** Changed on its own while Redis was out of reach: meeting the shared state again is a reconciliation. */
  #diverged = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @internal Stores come from `RedisBreakerBackend.store(name)`. */
  constructor(name: string, link: CircuitLink) {
    this.name = name;
    this.#link = link;
    this.#view = { kind: 'closed', epoch: 0, since: link.clock.now() };
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
    const previous = this.#attached;
    if (
      previous !== undefined &&
      (previous.probes !== breaker.probes || previous.successThreshold !== breaker.successThreshold)
    ) {
      throw new InvalidOptionError(
        'store',
        `a store whose breakers all decide half-open alike (this one has halfOpen.probes ${previous.probes} and successThreshold ${previous.successThreshold}); give each breaker its own store`,
        this.name,
      );
    }
    this.#attached = { probes: breaker.probes, successThreshold: breaker.successThreshold };
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
        if (this.#source === 'shared') this.#claim();
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
      if (this.#ownInFlight + this.#ownSuccesses + this.#ownFailures >= limit) return false;
      this.#ownInFlight++;
      return true;
    }
    const grant = this.#grant;
    if (grant !== undefined && grant.epoch === this.#viewRemoteEpoch && this.#link.clock.now() < grant.expiresAt) {
      this.#dropGrant();
      this.#leases.push({ epoch: grant.epoch, token: grant.token });
      // Renewed at once: the grant's lease has been running since the claim.
      this.#renewLeases();
      return true;
    }
    if (this.#source === 'shared') this.#claim();
    return false;
  }

  releaseProbe(epoch: number): void {
    const view = this.#view;
    if (view.epoch !== epoch || view.kind !== 'half-open') return;
    if (this.#source === 'own') {
      if (this.#ownInFlight > 0) this.#ownInFlight--;
      return;
    }
    const lease = this.#takeLease();
    if (lease !== undefined) this.#send('release', [lease.epoch, lease.token], () => {});
  }

  recordProbe(epoch: number, succeeded: boolean): ProbeTally | undefined {
    const view = this.#view;
    if (view.epoch !== epoch || view.kind !== 'half-open') return undefined;
    if (this.#source === 'own') {
      if (this.#ownInFlight === 0) return undefined;
      this.#ownInFlight--;
      if (succeeded) this.#ownSuccesses++;
      else this.#ownFailures++;
      return { inFlight: this.#ownInFlight, successes: this.#ownSuccesses, failures: this.#ownFailures };
    }
    const lease = this.#takeLease();
    if (lease === undefined) return undefined;
    this.#settles.push({ ...lease, succeeded, viewEpoch: view.epoch, decision: undefined, decisionOp: 0 });
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flushSettles());
    }
    // Outcomes only ever add up, so what this process knows is a lower bound:
    // a decision taken on it is one Redis takes too (the script decides again on the full tally).
    const remote = this.#remote;
    const known = remote !== undefined && remote.epoch === lease.epoch && remote.kind === 'half-open';
    return {
      inFlight: this.#leases.length,
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
      probeLeases: this.#leases.length + (this.#grant === undefined ? 0 : 1),
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
    const leases = [...this.#leases.splice(0), ...(this.#grant === undefined ? [] : [this.#grant])];
    this.#dropGrant();
    this.#stopRenewing();
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
    this.#ownInFlight = 0;
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
    this.#ownInFlight = 0;
    this.#ownSuccesses = 0;
    this.#ownFailures = 0;
  }

  #goOwn(): void {
    this.#source = 'own';
    this.#viewOp = 0;
    this.#ownInFlight = this.#leases.length;
    this.#ownSuccesses = 0;
    this.#ownFailures = 0;
    this.#leases.length = 0;
    this.#dropGrant();
    this.#stopRenewing();
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
    if (wasOwn || !confirming) this.#ownInFlight = 0;
    if (this.#grant !== undefined && (this.#grant.epoch !== remote.epoch || remote.kind !== 'half-open')) {
      this.#dropGrant();
    }
    if (this.#leases.length > 0 && (remote.kind !== 'half-open' || this.#leases[0]?.epoch !== remote.epoch)) {
      this.#leases.length = 0;
      this.#stopRenewing();
    }
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

  // --- probes ----------------------------------------------------------------------------

  #claim(): void {
    const link = this.#link;
    if (this.#claimInFlight || link.clock.now() < this.#nextClaimAt) return;
    this.#claimInFlight = true;
    const token = link.newToken();
    const limit = this.#attached?.probes ?? 1;
    const started = link.clock.now();
    link.send(
      this.name,
      'claim',
      [this.#viewRemoteEpoch, token, link.leaseDuration, limit],
      (reply) => this.#onClaimReply(reply, started),
      () => {
        this.#claimInFlight = false;
      },
    );
  }

  #onClaimReply(reply: ScriptReply, started: number): void {
    this.#claimInFlight = false;
    const link = this.#link;
    if (reply.grant === '') this.#nextClaimAt = link.clock.now() + CLAIM_SPACING;
    this.#accept(reply);
    if (reply.grant !== '') {
      if (this.#closed || this.#source === 'own' || this.#grant !== undefined) {
        this.#link.send(
          this.name,
          'release',
          [reply.epoch, reply.grant],
          () => {},
          () => {},
        );
      } else {
        // Hold an unused slot briefly: the call that asked was turned away, and the next one takes it.
        const hold = Math.min(link.staleness, link.leaseDuration / 2);
        this.#grant = { epoch: reply.epoch, token: reply.grant, expiresAt: started + hold };
        this.#grantTimer = link.clock.setTimeout(() => {
          const unused = this.#grant;
          this.#grantTimer = undefined;
          if (unused === undefined) return;
          this.#grant = undefined;
          this.#send('release', [unused.epoch, unused.token], () => {});
        }, hold);
        unrefTimer(this.#grantTimer);
      }
    }
    this.#follow();
  }

  #dropGrant(): void {
    this.#grant = undefined;
    if (this.#grantTimer !== undefined) this.#link.clock.clearTimeout(this.#grantTimer);
    this.#grantTimer = undefined;
  }

  #takeLease(): Lease | undefined {
    const index = this.#leases.findIndex((lease) => lease.epoch === this.#viewRemoteEpoch);
    if (index < 0) return undefined;
    const [lease] = this.#leases.splice(index, 1);
    if (this.#leases.length === 0) this.#stopRenewing();
    return lease;
  }

  /** Renews every lease now and every `heartbeatInterval` after, so a slot outlives a slow probe but not a dead prober. */
  #renewLeases(): void {
    const link = this.#link;
    for (const lease of this.#leases) {
      this.#send('renew', [lease.epoch, lease.token, link.leaseDuration], () => {});
    }
    if (this.#renewTimer !== undefined) link.clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
    if (this.#leases.length === 0) return;
    this.#renewTimer = link.clock.setTimeout(() => {
      this.#renewTimer = undefined;
      if (link.connected) this.#renewLeases();
    }, link.heartbeatInterval);
    unrefTimer(this.#renewTimer);
  }

  #stopRenewing(): void {
    if (this.#renewTimer !== undefined) this.#link.clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
  }

  /** Attaches the breaker's decision to the probe outcome it follows from, so both go to Redis in one script. */
  #attachDecision(from: CircuitRecord, next: CircuitRecord): boolean {
    if (from.kind !== 'half-open') return false;
    const settle = this.#settles.findLast((queued) => queued.viewEpoch === from.epoch);
    if (settle === undefined) return false;
    settle.decision = next;
    this.#view = next;
    this.#source = 'pending';
    this.#viewOp = ++this.#opSeq;
    settle.decisionOp = this.#viewOp;
    return true;
  }

  #flushSettles(): void {
    this.#flushQueued = false;
    const decides = this.#attached ?? { probes: 1, successThreshold: 1 };
    for (const settle of this.#settles.splice(0)) {
      const decision = settle.decision;
      const id = settle.decisionOp;
      const args = [
        settle.epoch,
        settle.token,
        settle.succeeded ? 1 : 0,
        decides.probes,
        decides.successThreshold,
        decision?.kind === 'open' ? durationOf(decision) : '',
      ];
      if (id === 0) {
        this.#send('settle', args, (reply) => {
          this.#accept(reply);
          this.#follow();
        });
      } else {
        this.#link.send(
          this.name,
          'settle',
          args,
          (reply) => this.#onPendingReply(id, 'settle', reply),
          () => this.#onPendingFailure(id),
        );
      }
    }
  }
}

function durationOf(record: CircuitRecord): number {
  return record.kind === 'open' ? Math.max(0, record.until - record.since) : 0;
}
