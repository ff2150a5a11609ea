/**
 * Where everything lives in Redis. The queue's own state shares one hash
 * slot (`{ns}`), so a script can touch all of it on a Redis Cluster; each
 * shard is a BullMQ queue named `{ns.s<i>}`, so its keys share a slot of their
 * own and the shards spread over the cluster's masters. (BullMQ refuses `:`
 * in a queue name, hence the dot.)
 */
export class RedisKeys {
  readonly prefix: string;
  readonly namespace: string;
  /** The ring: epoch, shards, router, and the handoff in progress (JSON). */
  readonly ring: string;
  /** Every live process of the queue, scored by when its membership expires (Redis time, ms). */
  readonly members: string;
  /** The live processes that run jobs: the ones shards are spread over. */
  readonly workers: string;
  /** Per member, the ring epoch it has switched to, its older adds all settled. */
  readonly acks: string;
  /** Held by the process driving a resize. */
  readonly resizeLock: string;

  constructor(prefix: string, namespace: string) {
    this.prefix = prefix;
    this.namespace = namespace;
    const base = `${prefix}:{${namespace}}`;
    this.ring = `${base}:ring`;
    this.members = `${base}:members`;
    this.workers = `${base}:workers`;
    this.acks = `${base}:acks`;
    this.resizeLock = `${base}:resize-lock`;
  }

  /** The BullMQ queue name of shard `shard`. */
  shardQueue(shard: number): string {
    return `{${this.namespace}.s${shard}}`;
  }

  /** A key of ours in shard `shard`'s slot. BullMQ's job keys are `<prefix>:<queue>:<id>` with no `:` in the id, so a second `:` cannot collide with one. */
  shardKey(shard: number, name: 'lease' | 'fenced' | 'fences' | 'fence'): string {
    return `${this.prefix}:${this.shardQueue(shard)}:palisade:${name}`;
  }

  /** A BullMQ key of shard `shard` (`wait`, `active`, `meta`, …). */
  bullKey(shard: number, name: string): string {
    return `${this.prefix}:${this.shardQueue(shard)}:${name}`;
  }
}
