import type { Clock } from '@palisade/core';
import type { CircuitKind } from './circuit-record.js';
import type { CircuitLink, RedisBreakerReconcileEvent, RedisBreakerStore } from './redis-breaker-store.js';
import type { CircuitOp } from './redis-circuit-script.js';
import type { RemoteRecord, ScriptReply } from './redis-remote-record.js';

const kinds: Record<string, CircuitKind> = { c: 'closed', o: 'open', h: 'half-open', i: 'isolated' };

/**
 * What the circuit script does, in TypeScript, for one circuit on the test's
 * clock: the Redis the store tests run against when they need virtual time
 * and control over when each reply and change arrives. The script itself is
 * tested against a real Redis; this checks the stores' logic around it.
 */
export class CircuitModel {
  k = 'c';
  e = 0;
  s = 0;
  u = 0;
  a = 0;
  d = 0;
  ps = 0;
  pf = 0;
  absent = true;
  readonly probes = new Map<string, number>();
  readonly trips = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get kind(): CircuitKind {
    return kinds[this.k] as CircuitKind;
  }

  /** Runs one op; returns the reply and whether the record changed (and was published). */
  run(op: CircuitOp, args: readonly (string | number)[]): { reply: Omit<ScriptReply, 'sentAt'>; changed: boolean } {
    const now = this.#clock.now();
    const arg = (index: number) => args[index];
    let applied = false;
    let grant = '';
    let changed = false;
    const move = (kind: string, duration: number, attempt: number) => {
      this.e++;
      this.k = kind;
      this.s = now;
      this.ps = 0;
      this.pf = 0;
      this.u = 0;
      if (kind === 'o') {
        this.u = now + duration;
        this.d = duration;
        this.a = attempt;
      } else if (kind !== 'h') {
        this.a = 0;
      }
      this.probes.clear();
      changed = true;
    };
    const inFlight = () => {
      if (this.k !== 'h') return 0;
      for (const [token, expiry] of this.probes) if (expiry <= now) this.probes.delete(token);
      return this.probes.size;
    };
    switch (op) {
      case 'trip': {
        const quorum = Number(arg(1));
        if (this.k === 'c') {
          let count = 1;
          if (quorum > 1) {
            this.trips.set(String(arg(3)), now);
            for (const [owner, at] of this.trips) if (at <= now - Number(arg(2))) this.trips.delete(owner);
            count = this.trips.size;
          }
          if (count >= quorum) {
            this.trips.clear();
            move('o', Number(arg(0)), 1);
            applied = true;
          }
        }
        break;
      }
      case 'claim': {
        const expected = Number(arg(0));
        if (this.k === 'o' && this.e === expected && now >= this.u) {
          move('h', 0, this.a);
          applied = true;
        }
        if (this.k === 'h' && (this.e === expected || applied) && inFlight() + this.ps + this.pf < Number(arg(3))) {
          this.probes.set(String(arg(1)), now + Number(arg(2)));
          grant = String(arg(1));
        }
        break;
      }
      case 'renew':
        if (this.k === 'h' && this.e === Number(arg(0)) && this.probes.has(String(arg(1)))) {
          this.probes.set(String(arg(1)), now + Number(arg(2)));
          applied = true;
        }
        break;
      case 'release':
        if (this.k === 'h' && this.e === Number(arg(0))) applied = this.probes.delete(String(arg(1)));
        break;
      case 'settle':
        if (this.k === 'h' && this.e === Number(arg(0)) && this.probes.delete(String(arg(1)))) {
          applied = true;
          if (Number(arg(2)) === 1) this.ps++;
          else this.pf++;
          const limit = Number(arg(3));
          const threshold = Number(arg(4));
          if (this.ps / limit >= threshold) move('c', 0, 0);
          else if ((limit - this.pf) / limit < threshold)
            move('o', arg(5) === '' ? this.d : Number(arg(5)), this.a + 1);
          else changed = true;
        }
        break;
      case 'set':
        if (arg(0) === '' || this.e === Number(arg(0))) {
          move(String(arg(1)), Number(arg(2)), Number(arg(3)));
          applied = true;
        }
        break;
      case 'read':
        break;
    }
    if (changed) this.absent = false;
    return {
      reply: { ...this.record(now), inFlight: inFlight(), grant, applied },
      changed,
    };
  }

  record(now = this.#clock.now()): RemoteRecord {
    return {
      kind: this.kind,
      epoch: this.e,
      since: this.absent ? now : this.s,
      until: this.u,
      attempt: this.a,
      successes: this.ps,
      failures: this.pf,
      now,
      absent: this.absent,
    };
  }
}

/**
 * A backend for one process, on the model: a reply or a change arrives only
 * when the test delivers it (in order, per process), and nothing reaches a
 * process while it is disconnected.
 */
export class ModelLink implements CircuitLink {
  connected = true;
  readonly offset = 0;
  readonly staleness = 1_000;
  readonly leaseDuration = 5_000;
  readonly heartbeatInterval = 1_000;
  readonly quorumWindow = 60_000;
  readonly clock: Clock;
  readonly id: string;
  readonly quorum: number;
  readonly replies: (() => void)[] = [];
  readonly changes: RemoteRecord[] = [];
  readonly reconciliations: RedisBreakerReconcileEvent[] = [];
  store: RedisBreakerStore | undefined;
  readonly #network: ModelNetwork;
  #tokens = 0;

  constructor(network: ModelNetwork, id: string, quorum: number) {
    this.#network = network;
    this.clock = network.clock;
    this.id = id;
    this.quorum = quorum;
  }

  get sequence(): number {
    return this.#network.sequence;
  }

  newToken(): string {
    return `${this.id}:${++this.#tokens}`;
  }

  send(
    _name: string,
    op: CircuitOp,
    args: readonly (string | number)[],
    onReply: (reply: ScriptReply) => void,
    onFailure: () => void,
  ): void {
    if (!this.connected) {
      queueMicrotask(onFailure);
      return;
    }
    const sentAt = ++this.#network.sequence;
    const { reply, changed } = this.#network.model.run(op, args);
    if (changed) this.#network.publish();
    this.replies.push(() => onReply({ ...reply, sentAt }));
  }

  forget(): void {}
  hold(): void {}
  release(): void {}

  reconciled(event: RedisBreakerReconcileEvent): void {
    this.reconciliations.push(event);
  }

  /** Delivers the oldest reply or change waiting for this process; false if none. */
  deliver(kind: 'reply' | 'change'): boolean {
    if (kind === 'reply') {
      const next = this.replies.shift();
      next?.();
      return next !== undefined;
    }
    const change = this.changes.shift();
    if (change === undefined) return false;
    this.#network.sequence++;
    if (this.connected) this.store?.onRemote(change);
    return true;
  }

  /** Loses the connection (and every change published meanwhile), or finds it again and reconciles, as the backend does. */
  setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    if (!connected) {
      this.changes.length = 0;
      return;
    }
    this.send(
      '',
      'read',
      [],
      (reply) => this.store?.reconcile(reply),
      () => {},
    );
  }
}

/** The model and every process's link to it. */
export class ModelNetwork {
  readonly model: CircuitModel;
  readonly links: ModelLink[] = [];
  readonly clock: Clock;
  sequence = 0;

  constructor(clock: Clock) {
    this.clock = clock;
    this.model = new CircuitModel(clock);
  }

  link(id: string, quorum = 1): ModelLink {
    const link = new ModelLink(this, id, quorum);
    this.links.push(link);
    return link;
  }

  publish(): void {
    const record = this.model.record();
    for (const link of this.links) if (link.connected) link.changes.push(record);
  }
}
