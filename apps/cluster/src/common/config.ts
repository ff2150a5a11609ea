import type { WireIdentity } from './wire.ts';

/** The JobQueue engine's timings, shorter than its defaults so that a scenario sees a redelivery in seconds. */
export interface QueueTimings {
  readonly shards: number;
  readonly leaseDuration: number;
  readonly heartbeatInterval: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly commandTimeout: number;
}

/** What the supervisor starts a branch with. */
export interface BranchConfig {
  readonly role: 'branch';
  readonly id: string;
  readonly redisUrl: string;
  readonly keyFile: string;
  readonly directory: readonly WireIdentity[];
  /** HQ's credentials for this branch, by the branch they are for. */
  readonly credentials: Readonly<Record<string, string>>;
  /** The branches whose home queues this branch works (every branch's). */
  readonly homes: readonly string[];
  readonly customers: number;
  /** 0 for a free port; a restarted branch asks for its old one. */
  readonly httpPort: number;
  readonly queue: QueueTimings;
  readonly requestTimeout: number;
}

/** What the supervisor starts a client (one customer) with. */
export interface ClientConfig {
  readonly role: 'client';
  readonly id: string;
  readonly redisUrl: string;
  readonly keyFile: string;
  readonly directory: readonly WireIdentity[];
  readonly endpoints: readonly { readonly id: string; readonly url: string }[];
  /** The accounts this customer owns: the ones it sends money from. */
  readonly accounts: readonly string[];
  /** Every account, the ones it may send money to. */
  readonly destinations: readonly string[];
  /** Transfers per second this client asks for. */
  readonly rate: number;
  readonly seed: number;
  /** Share breakers through Redis (the breaker store) rather than each router keeping its own. */
  readonly sharedBreakers: boolean;
}

/** What the supervisor starts the attacker with: a stolen key file and the public directory. */
export interface AttackerConfig {
  readonly role: 'attacker';
  readonly redisUrl: string;
  readonly stolenKeyFile: string;
  readonly directory: readonly WireIdentity[];
  /** The branches it attacks (every branch but the one whose key it stole). */
  readonly targets: readonly string[];
  /** Accounts it tries to move money from, one per target. */
  readonly victims: Readonly<Record<string, string>>;
  /** Its own account, where it tries to move money to. */
  readonly mule: string;
  readonly customers: number;
  /** Ms between two attempts. */
  readonly every: number;
}
