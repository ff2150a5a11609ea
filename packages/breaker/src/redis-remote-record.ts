import type { CircuitKind, CircuitRecord } from './circuit-record.js';

/** A circuit as Redis holds it: times are Redis's (`TIME`, in ms), epochs are Redis's. */
export interface RemoteRecord {
  readonly kind: CircuitKind;
  readonly epoch: number;
  readonly since: number;
  readonly until: number;
  readonly attempt: number;
  /** Probe outcomes recorded in the current half-open epoch. */
  readonly successes: number;
  readonly failures: number;
  /** Redis's time when the record was read or written. */
  readonly now: number;
  /** No key: a circuit nobody has written, or one whose keys expired. Reads as closed at epoch 0. */
  readonly absent: boolean;
  /** For a reply: the backend's sequence tick when its command was sent. Undefined for a published change. */
  readonly sentAt?: number;
}

/** What the script replies besides the record. */
export interface ScriptReply extends RemoteRecord {
  /** Probe leases held and not expired (half-open only). */
  readonly inFlight: number;
  /** The probe-slot token leased by this call, or '' for none. */
  readonly grant: string;
  /** Whether the operation changed anything. */
  readonly applied: boolean;
}

const kinds: Readonly<Record<string, CircuitKind>> = { c: 'closed', o: 'open', h: 'half-open', i: 'isolated' };
const codes: Readonly<Record<CircuitKind, string>> = { closed: 'c', open: 'o', 'half-open': 'h', isolated: 'i' };

export function kindCode(kind: CircuitKind): string {
  return codes[kind];
}

/** Reads the script's reply; undefined if it is not one (a script from another version, say). */
export function parseReply(reply: unknown, sentAt: number): ScriptReply | undefined {
  if (!Array.isArray(reply) || reply.length !== 12) return undefined;
  const numbers = [0, 1, 3, 4, 5, 6, 7, 8, 9].map((index) => Number(reply[index]));
  if (numbers.some((value) => !Number.isFinite(value))) return undefined;
  const kind = kinds[String(reply[2])];
  if (kind === undefined) return undefined;
  const [now, absent, epoch, since, until, attempt, successes, failures, inFlight] = numbers as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    now,
    absent: absent === 1,
    kind,
    epoch,
    since: absent === 1 ? now : since,
    until,
    attempt,
    successes,
    failures,
    inFlight,
    grant: String(reply[10]),
    applied: Number(reply[11]) === 1,
    sentAt,
  };
}

/** Reads a change published by the script: the circuit's name and its record; undefined if malformed. */
export function parseChange(message: string): { name: string; record: RemoteRecord } | undefined {
  const newline = message.indexOf('\n');
  if (newline < 0) return undefined;
  const fields = message.slice(0, newline).split(' ');
  if (fields.length !== 8) return undefined;
  const kind = kinds[fields[0] as string];
  const numbers = fields.slice(1).map(Number);
  if (kind === undefined || numbers.some((value) => !Number.isFinite(value))) return undefined;
  const [epoch, since, until, attempt, successes, failures, now] = numbers as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    name: message.slice(newline + 1),
    record: { kind, epoch, since, until, attempt, successes, failures, now, absent: false },
  };
}

/**
 * The record a breaker sees: Redis's times moved onto the local clock by
 * `offset` (Redis minus local), under the local `epoch` the store counts.
 */
export function localRecord(remote: RemoteRecord, epoch: number, offset: number): CircuitRecord {
  const since = remote.since - offset;
  switch (remote.kind) {
    case 'open':
      return { kind: 'open', epoch, since, until: remote.until - offset, attempt: Math.max(1, remote.attempt) };
    case 'half-open':
      return { kind: 'half-open', epoch, since, attempt: Math.max(1, remote.attempt) };
    case 'closed':
      return { kind: 'closed', epoch, since };
    case 'isolated':
      return { kind: 'isolated', epoch, since };
  }
}

/**
 * Whether `next` is news after `known`, which was taken in at `knownAt` (a
 * tick of the backend's sequence). A reply to a command sent after that is
 * Redis's word on the present, whatever its epoch: it is how a store
 * follows a Redis that lost its data (a restart without persistence) back
 * to epoch 0. Anything else is news if its epoch is later, or if it has more
 * probe outcomes in the same epoch.
 */
export function isNewer(next: RemoteRecord, known: RemoteRecord | undefined, knownAt: number): boolean {
  if (known === undefined) return true;
  if (next.sentAt !== undefined && next.sentAt > knownAt) return true;
  if (next.epoch !== known.epoch) return next.epoch > known.epoch;
  return next.successes + next.failures > known.successes + known.failures;
}
