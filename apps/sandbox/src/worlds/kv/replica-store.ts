import type { NodeId } from '../../sim/network.ts';

export interface Versioned {
  readonly value: string;
  /** Later writes have higher versions; the highest wins. */
  readonly version: number;
}

/**
 * What one node keeps on its disk: its copies of keys, and hints: writes it
 * took in for a replica that was down, to hand over when that replica is
 * back (Dynamo's hinted handoff). A crash loses the node's work in flight,
 * not its disk.
 */
export class ReplicaStore {
  readonly #data = new Map<string, Versioned>();
  /** Replica it stands in for → keys it holds for it. */
  readonly #hints = new Map<NodeId, Set<string>>();

  get(key: string): Versioned | undefined {
    return this.#data.get(key);
  }

  /** Keeps the write if it is newer than what is here. */
  put(key: string, write: Versioned): void {
    const current = this.#data.get(key);
    if (current === undefined || write.version > current.version) this.#data.set(key, write);
  }

  hint(replica: NodeId, key: string): void {
    let keys = this.#hints.get(replica);
    if (keys === undefined) {
      keys = new Set();
      this.#hints.set(replica, keys);
    }
    keys.add(key);
  }

  /** Hints waiting for a replica, as (key, write) pairs. */
  hintsFor(replica: NodeId): Array<[string, Versioned]> {
    const keys = this.#hints.get(replica) ?? new Set<string>();
    return [...keys].flatMap((key) => {
      const write = this.#data.get(key);
      return write === undefined ? [] : [[key, write] as [string, Versioned]];
    });
  }

  handedOff(replica: NodeId, key: string): void {
    this.#hints.get(replica)?.delete(key);
  }

  get hintedReplicas(): NodeId[] {
    return [...this.#hints].filter(([, keys]) => keys.size > 0).map(([replica]) => replica);
  }

  get hintCount(): number {
    let count = 0;
    for (const keys of this.#hints.values()) count += keys.size;
    return count;
  }
}
