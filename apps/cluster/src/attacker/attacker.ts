import { type Identity, issueToken, KeyDirectory } from '@palisade/messaging';
import { RELAY_RIGHT } from '../bank/authorise.ts';
import type { WriteAnswer } from '../bank/home-queue.ts';
import { orderRight, type Transfer } from '../bank/transfer.ts';
import { Peers } from '../branch/peers.ts';
import type { AttackerConfig } from '../common/config.ts';
import { RedisLinks } from '../common/redis-links.ts';
import { fromWire, toBase64 } from '../common/wire.ts';

/** The kinds of request the attacker tries, in turn, against every branch. */
export const ATTEMPTS = ['no-credential', 'own-credential'] as const;
export type Attempt = (typeof ATTEMPTS)[number];

export interface AttackReport {
  /** When a branch first answered a request on the stolen key (a refusal is an answer). */
  readonly firstSessionAt: number | undefined;
  /** When a branch last answered a request on the stolen key. */
  readonly lastSessionAt: number | undefined;
  readonly attempts: number;
  /** Requests a branch accepted (wrote something for): what must stay 0. */
  readonly accepted: number;
  /** Answers by what they were: a branch's refusal reason, or the error when no channel opened. */
  readonly outcomes: Readonly<Record<string, number>>;
}

/**
 * An attacker holding one branch's stolen key file. It opens channels as
 * that branch (the stolen key authenticates it) and asks every other
 * branch to move a customer's money to an account of its choosing: with no
 * credential, with a credential it signs itself, and with an order it
 * signs itself. Every one must be refused; the channels themselves work
 * until head office revokes the key.
 */
export class Attacker {
  readonly #config: AttackerConfig;
  readonly #identity: Identity;
  readonly #peers: Peers;
  readonly #outcomes: Record<string, number> = {};
  /** Its forgeries, made once per target: signing is the slow part, and it has no better ones to make. */
  readonly #forgeries = new Map<string, { credential: string; transfer: Transfer }>();
  #timer: NodeJS.Timeout | undefined;
  #turn = 0;
  #attempts = 0;
  #accepted = 0;
  #firstSessionAt: number | undefined;
  #lastSessionAt: number | undefined;

  constructor(config: AttackerConfig, stolen: Identity) {
    this.#config = config;
    this.#identity = stolen;
    const directory = new KeyDirectory();
    for (const entry of config.directory) directory.register(fromWire(entry));
    this.#peers = new Peers({
      identity: () => stolen,
      directory,
      links: new RedisLinks(config.redisUrl, 2_000),
      requestTimeout: 3_000,
      handle: async () => undefined,
    });
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#tryOnce(), this.#config.every);
  }

  report(): AttackReport {
    return {
      firstSessionAt: this.#firstSessionAt,
      lastSessionAt: this.#lastSessionAt,
      attempts: this.#attempts,
      accepted: this.#accepted,
      outcomes: { ...this.#outcomes },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#peers.close();
  }

  #forgeriesFor(target: string, from: string, to: string): { credential: string; transfer: Transfer } {
    let forgery = this.#forgeries.get(target);
    if (forgery === undefined) {
      const fields = { id: `customer-1.${900_000_000 + this.#forgeries.size}`, from, to, amount: 100, seq: 1_000_000 };
      const order = issueToken(this.#identity, { audience: target, rights: [orderRight(fields)] });
      forgery = {
        credential: toBase64(issueToken(this.#identity, { audience: target, rights: [RELAY_RIGHT] })),
        transfer: { ...fields, customer: 'customer-1', order: toBase64(order) },
      };
      this.#forgeries.set(target, forgery);
    }
    return forgery;
  }

  async #tryOnce(): Promise<void> {
    const { targets, victims, mule } = this.#config;
    const turn = this.#turn++;
    const target = targets[turn % targets.length] as string;
    const attempt = ATTEMPTS[Math.floor(turn / targets.length) % ATTEMPTS.length] as Attempt;
    const { credential: ownCredential, transfer } = this.#forgeriesFor(target, victims[target] as string, mule);
    const credential = attempt === 'no-credential' ? undefined : ownCredential;
    this.#attempts++;
    try {
      const answer = (await this.#peers.request(target, {
        kind: 'write',
        credential,
        transfer,
        fence: Number.MAX_SAFE_INTEGER,
      })) as WriteAnswer;
      const now = Date.now();
      this.#firstSessionAt ??= now;
      this.#lastSessionAt = now;
      const outcome = answer.kind === 'refused' ? answer.refusal : `accepted:${answer.kind}`;
      if (answer.kind !== 'refused') this.#accepted++;
      this.#outcomes[outcome] = (this.#outcomes[outcome] ?? 0) + 1;
    } catch (error) {
      // No answer is no use to it, whatever the error: a request queued on a channel whose handshake the branch
      // refuses ends as SESSION_CLOSED when the attacker's own handshake timeout runs out, long after revocation.
      const code = String((error as { code?: unknown }).code ?? 'no-answer');
      this.#outcomes[code] = (this.#outcomes[code] ?? 0) + 1;
    }
  }
}
