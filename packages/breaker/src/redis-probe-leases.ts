import { type Clock, InvalidOptionError, type TimerHandle, unrefTimer } from '@palisade/core';
import type { CircuitRecord } from './circuit-record.js';
import type { CircuitOp } from './redis-circuit-script.js';
import { durationOf, type RemoteRecord, type ScriptReply } from './redis-remote-record.js';
import type { BreakerStoreAttachment } from './store.js';

/** What the leases need from the backend: a subset of the store's `CircuitLink`. */
export interface ProbeLeaseLink {
  readonly clock: Clock;
  readonly connected: boolean;
  readonly staleness: number;
  readonly leaseDuration: number;
  readonly heartbeatInterval: number;
  newToken(): string;
  /** Runs the circuit script; `onReply` may come after `onFailure` (a reply later than the timeout). */
  send(
    name: string,
    op: CircuitOp,
    args: readonly (string | number)[],
    onReply: (reply: ScriptReply) => void,
    onFailure: () => void,
  ): void;
}

/** What the leases need from the store that owns them. */
export interface ProbeLeaseOwner {
  /** Whether a slot granted now goes straight back: the store is closed, or runs on its own. */
  readonly refusesGrants: boolean;
  /** Takes in a reply, if it is news. */
  accept(reply: ScriptReply): void;
  /** Lets the store's view follow what it has taken in. */
  follow(): void;
  /** The reply to a settle that carried the breaker's decision, pending op `id`. */
  pendingReply(id: number, op: CircuitOp, reply: ScriptReply): void;
  pendingFailure(id: number): void;
}

export interface Lease {
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
 * The half-open probe slots one store holds in Redis. Redis grants a slot to
 * one claim at a time (up to `halfOpen.probes`), as a lease that runs out
 * unless renewed, so a prober that dies gives its slot back. A granted slot
 * waits briefly for the next call (the call that asked was turned away),
 * becomes a lease when a call takes it, is renewed while the probe runs, and
 * is settled with the probe's outcome, batched per turn so that the breaker's
 * decision on that outcome reaches Redis in the same script.
 */
export class ProbeLeases {
  readonly #name: string;
  readonly #link: ProbeLeaseLink;
  readonly #owner: ProbeLeaseOwner;
  #attached: BreakerStoreAttachment | undefined;
  #grant: Grant | undefined;
  #grantTimer: TimerHandle | undefined;
  readonly #leases: Lease[] = [];
  #renewTimer: TimerHandle | undefined;
  #claimInFlight = false;
  #nextClaimAt = 0;
  readonly #settles: QueuedSettle[] = [];
  #flushQueued = false;

  constructor(name: string, link: ProbeLeaseLink, owner: ProbeLeaseOwner) {
    this.#name = name;
    this.#link = link;
    this.#owner = owner;
  }

  /** Leases held by calls that probe now. */
  get held(): number {
    return this.#leases.length;
  }

  /** Slots held in any way: leases, and a grant no call has taken yet. */
  get count(): number {
    return this.#leases.length + (this.#grant === undefined ? 0 : 1);
  }

  /** Throws unless `breaker` decides half-open as the breakers attached before it. */
  attach(breaker: BreakerStoreAttachment): void {
    const previous = this.#attached;
    if (
      previous !== undefined &&
      (previous.probes !== breaker.probes || previous.successThreshold !== breaker.successThreshold)
    ) {
      throw new InvalidOptionError(
        'store',
        `a store whose breakers all decide half-open alike (this one has halfOpen.probes ${previous.probes} and successThreshold ${previous.successThreshold}); give each breaker its own store`,
        this.#name,
      );
    }
    this.#attached = { probes: breaker.probes, successThreshold: breaker.successThreshold };
  }

  /** Asks Redis for a slot in the half-open record of Redis epoch `remoteEpoch`, unless a claim is on its way or was just refused. */
  claim(remoteEpoch: number): void {
    const link = this.#link;
    if (this.#claimInFlight || link.clock.now() < this.#nextClaimAt) return;
    this.#claimInFlight = true;
    const token = link.newToken();
    const limit = this.#attached?.probes ?? 1;
    const started = link.clock.now();
    link.send(
      this.#name,
      'claim',
      [remoteEpoch, token, link.leaseDuration, limit],
      (reply) => this.#onClaimReply(reply, started),
      () => {
        this.#claimInFlight = false;
      },
    );
  }

  /** Turns the slot granted for Redis epoch `remoteEpoch`, if it has not run out, into a call's lease; whether there was one. */
  useGrant(remoteEpoch: number): boolean {
    const grant = this.#grant;
    if (grant === undefined || grant.epoch !== remoteEpoch || this.#link.clock.now() >= grant.expiresAt) return false;
    this.#dropGrant();
    this.#leases.push({ epoch: grant.epoch, token: grant.token });
    // Renewed at once: the grant's lease has been running since the claim.
    this.#renewLeases();
    return true;
  }

  /** A call gives its slot in Redis epoch `remoteEpoch` back without an outcome. */
  release(remoteEpoch: number): void {
    const lease = this.#take(remoteEpoch);
    if (lease !== undefined) this.#send('release', [lease.epoch, lease.token], () => {});
  }

  /**
   * A call's probe in Redis epoch `remoteEpoch` (the store's local epoch
   * `viewEpoch`) ended: its outcome goes to Redis at the end of the turn.
   * Returns the lease it held, or undefined if it held none.
   */
  settle(remoteEpoch: number, viewEpoch: number, succeeded: boolean): Lease | undefined {
    const lease = this.#take(remoteEpoch);
    if (lease === undefined) return undefined;
    this.#settles.push({ ...lease, succeeded, viewEpoch, decision: undefined, decisionOp: 0 });
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flushSettles());
    }
    return lease;
  }

  /**
   * Attaches the breaker's decision to the probe outcome it follows from
   * (settled in local epoch `viewEpoch`), so both go to Redis in one script
   * as pending op `op`. Returns false if no outcome of that epoch is queued.
   */
  attachDecision(viewEpoch: number, decision: CircuitRecord, op: number): boolean {
    const settle = this.#settles.findLast((queued) => queued.viewEpoch === viewEpoch);
    if (settle === undefined) return false;
    settle.decision = decision;
    settle.decisionOp = op;
    return true;
  }

  /** Drops the slots that no longer match `remote`, the record the store now mirrors. */
  follow(remote: RemoteRecord): void {
    if (this.#grant !== undefined && (this.#grant.epoch !== remote.epoch || remote.kind !== 'half-open')) {
      this.#dropGrant();
    }
    if (this.#leases.length > 0 && (remote.kind !== 'half-open' || this.#leases[0]?.epoch !== remote.epoch)) {
      this.#leases.length = 0;
      this.#stopRenewing();
    }
  }

  /** Forgets every slot without giving it back: the store now runs on its own. Returns how many leases calls held. */
  abandon(): number {
    const held = this.#leases.length;
    this.#leases.length = 0;
    this.#dropGrant();
    this.#stopRenewing();
    return held;
  }

  /** Forgets every slot and returns them, to be given back. */
  surrender(): Lease[] {
    const leases = [...this.#leases.splice(0), ...(this.#grant === undefined ? [] : [this.#grant])];
    this.#dropGrant();
    this.#stopRenewing();
    return leases;
  }

  #onClaimReply(reply: ScriptReply, started: number): void {
    this.#claimInFlight = false;
    const link = this.#link;
    if (reply.grant === '') this.#nextClaimAt = link.clock.now() + CLAIM_SPACING;
    this.#owner.accept(reply);
    if (reply.grant !== '') {
      if (this.#owner.refusesGrants || this.#grant !== undefined) {
        link.send(
          this.#name,
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
    this.#owner.follow();
  }

  #dropGrant(): void {
    this.#grant = undefined;
    if (this.#grantTimer !== undefined) this.#link.clock.clearTimeout(this.#grantTimer);
    this.#grantTimer = undefined;
  }

  #take(remoteEpoch: number): Lease | undefined {
    const index = this.#leases.findIndex((lease) => lease.epoch === remoteEpoch);
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

  #flushSettles(): void {
    this.#flushQueued = false;
    const decides = this.#attached ?? { probes: 1, successThreshold: 1 };
    const owner = this.#owner;
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
          owner.accept(reply);
          owner.follow();
        });
      } else {
        this.#link.send(
          this.#name,
          'settle',
          args,
          (reply) => owner.pendingReply(id, 'settle', reply),
          () => owner.pendingFailure(id),
        );
      }
    }
  }

  #send(op: CircuitOp, args: readonly (string | number)[], onReply: (reply: ScriptReply) => void): void {
    this.#link.send(this.#name, op, args, onReply, () => {});
  }
}
