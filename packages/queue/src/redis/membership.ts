import { randomUUID } from 'node:crypto';
import { realClock } from '@palisade/core';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import { initRing, parseRing, type RingState } from './ring.js';
import { heartbeat, leave } from './script.js';

/** What a heartbeat learned. */
export interface Beat {
  readonly ring: RingState;
  /** The live worker processes, sorted. */
  readonly workers: readonly string[];
  /** Redis' clock at the heartbeat. */
  readonly redisNow: number;
}

/**
 * This process's membership of the queue, and its view of the ring.
 *
 * Every process (producer or worker) renews its membership each heartbeat
 * and, with it, reads the ring. A view is trusted for `leaseDuration` after
 * the heartbeat that confirmed it was sent; past that, adds wait for a fresh
 * heartbeat. A process acknowledges a new epoch only once every add it
 * routed with an older ring has settled, so a resize that has every live
 * member's acknowledgement knows that no add with the old ring is still on
 * its way. A member that stops heartbeating drops out after `leaseDuration`,
 * by which time its own view has expired too.
 */
export class Membership {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #id: string;
  readonly #isWorker: boolean;
  readonly #ttl: number;
  #view: RingState | undefined;
  #validUntil = Number.NEGATIVE_INFINITY;
  #workers: readonly string[] = [];
  /** Adds in flight, by the epoch they were routed with. */
  readonly #inFlight = new Map<number, number>();
  #beating: Promise<Beat> | undefined;
  #left = false;
  #onLoss: ((lost: RingState, ring: RingState) => void) | undefined;

  constructor(client: RedisClient, keys: RedisKeys, id: string, isWorker: boolean, ttl: number) {
    this.#client = client;
    this.#keys = keys;
    this.#id = id;
    this.#isWorker = isWorker;
    this.#ttl = ttl;
  }

  /** Called when a heartbeat finds that Redis lost the ring (and with it every job): see onDataLoss. */
  set onLoss(listener: (lost: RingState, ring: RingState) => void) {
    this.#onLoss = listener;
  }

  /**
   * Redis came back empty: the ring is made again from this process's last
   * view (the first process to notice wins; the others read its ring), with
   * a new generation and no resize in progress.
   */
  async #recreate(): Promise<RingState> {
    const last = this.#view;
    if (last === undefined) throw new Error(`the ring ${this.#keys.ring} is missing from Redis`);
    return initRing(this.#client, this.#keys, {
      generation: randomUUID(),
      epoch: last.epoch + 1,
      router: last.router,
      ordered: last.ordered,
      shards: last.shards,
      retiring: [],
      everShards: last.everShards,
      gate: null,
      opened: null,
      pausing: null,
    });
  }

  get id(): string {
    return this.#id;
  }

  /** The last ring this process read, or undefined before the first heartbeat. */
  get ring(): RingState | undefined {
    return this.#view;
  }

  get workers(): readonly string[] {
    return this.#workers;
  }

  /** Whether the view may be routed with now. */
  get valid(): boolean {
    return realClock.now() < this.#validUntil;
  }

  /** One heartbeat; concurrent callers share it. */
  beat(): Promise<Beat> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #beat(): Promise<Beat> {
    const sentAt = realClock.now();
    const [json, workers, now] = (await heartbeat.run(
      this.#client,
      [this.#keys.members, this.#keys.workers, this.#keys.acks, this.#keys.ring],
      [this.#id, this.#ttl, this.#isWorker && !this.#left ? 1 : 0, this.#acknowledged()],
    )) as [string, string[], string];
    const ring = json === '' ? await this.#recreate() : parseRing(json);
    const lost = this.#view !== undefined && ring.generation !== this.#view.generation ? this.#view : undefined;
    const previousEpoch = lost === undefined ? this.#view?.epoch : undefined;
    if (this.#view === undefined || lost !== undefined || ring.version >= this.#view.version) this.#view = ring;
    if (lost !== undefined) this.#onLoss?.(lost, ring);
    this.#validUntil = sentAt + this.#ttl;
    this.#workers = [...workers].sort();
    if (previousEpoch !== undefined && this.#view.epoch > previousEpoch && this.#acknowledged() === this.#view.epoch) {
      // This heartbeat still acknowledged the old epoch; a resize is waiting to hear the new one.
      realClock.setTimeout(() => void this.beat().catch(() => {}), 0);
    }
    return { ring: this.#view, workers: this.#workers, redisNow: Number(now) };
  }

  /** The epoch this process can vouch for: its view's, unless an add routed with an older one is still in flight. */
  #acknowledged(): number {
    let epoch = this.#view?.epoch ?? 0;
    for (const [routedWith, count] of this.#inFlight) if (count > 0 && routedWith < epoch) epoch = routedWith;
    return epoch;
  }

  /** Counts an add routed with `epoch` until it settles; an older epoch settling may let a resize go on, so it beats at once. */
  track(epoch: number, write: Promise<unknown>): void {
    this.#inFlight.set(epoch, (this.#inFlight.get(epoch) ?? 0) + 1);
    const settle = (): void => {
      const left = (this.#inFlight.get(epoch) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(epoch, left);
      else this.#inFlight.delete(epoch);
      if (left === 0 && this.#view !== undefined && epoch < this.#view.epoch && !this.#left) {
        this.beat().catch(() => {});
      }
    };
    write.then(settle, settle);
  }

  /** Stops counting as a worker at once (other workers take the shards on their next heartbeat). */
  stopWorking(): void {
    this.#left = true;
  }

  async leave(): Promise<void> {
    this.#left = true;
    await leave.run(this.#client, [this.#keys.members, this.#keys.workers, this.#keys.acks], [this.#id]);
  }
}
