export type MonitorKind =
  | 'breaker opened'
  | 'breaker closed'
  | 'endpoint ejected'
  | 'message rejected'
  | 'token refused'
  | 'handshake refused'
  | 'key revoked'
  | 'key rotated'
  | 'node down'
  | 'node up'
  | 'alert'
  | 'info';

export interface MonitorEntry {
  readonly at: number;
  readonly kind: MonitorKind;
  readonly text: string;
}

/**
 * The operator's view of a run: what a monitoring system would page about.
 * Counts per kind stay exact; the entry list keeps the latest ones.
 */
export class Monitor {
  readonly entries: MonitorEntry[] = [];
  readonly counts = new Map<MonitorKind, number>();
  readonly #now: () => number;
  readonly #keep: number;

  constructor(now: () => number, keep = 500) {
    this.#now = now;
    this.#keep = keep;
  }

  log(kind: MonitorKind, text: string): void {
    const entry = { at: this.#now(), kind, text };
    this.entries.push(entry);
    if (this.entries.length > this.#keep) this.entries.shift();
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  count(kind: MonitorKind): number {
    return this.counts.get(kind) ?? 0;
  }
}
