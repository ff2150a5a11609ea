/** One transfer a client asked for. */
export interface RequestedTransfer {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly seq: number;
  readonly customer: string;
  /** When the client made it (ms since the epoch). */
  readonly at: number;
}

/** A branch acknowledged a transfer: it is stored on its queue. */
export interface Acknowledgement {
  readonly id: string;
  readonly at: number;
}

/** One `router.execute` call: when it started, how long it took, whether a branch stored the transfer. */
export interface CallRecord {
  readonly at: number;
  readonly duration: number;
  readonly ok: boolean;
}

/** What a client reports to the supervisor: everything since its previous report. */
export interface ClientReport {
  readonly created: RequestedTransfer[];
  readonly acknowledged: Acknowledgement[];
  readonly calls: CallRecord[];
  /** Transfers still waiting for a first acknowledgement. */
  readonly pending: number;
}
