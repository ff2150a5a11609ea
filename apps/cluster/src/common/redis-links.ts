import type { Transport } from '@palisade/messaging';
import { dialRedis, RedisInbox } from '@palisade/messaging/redis';
import type { Links } from './links.ts';

/** Where the bank's links live in Redis: `bank:messaging:inbox:{node}` and `bank:messaging:link:{id}:a|b`. */
const PREFIX = 'bank';

/**
 * Links on Redis Streams (`@palisade/messaging/redis`): each node listens on
 * its inbox, and a dialler opens a fresh link and announces it there. The
 * branches share nothing but Redis: no ports to exchange, and a link rides
 * out a Redis restart with AOF (its frames are resent in order).
 */
export class RedisLinks implements Links {
  readonly #connection: string;
  readonly #commandTimeout: number;
  #inbox: RedisInbox | undefined;
  readonly #transports = new Set<Transport>();

  constructor(connection: string, commandTimeout: number) {
    this.#connection = connection;
    this.#commandTimeout = commandTimeout;
  }

  async listen(node: string, onLink: (transport: Transport) => void): Promise<void> {
    const inbox = new RedisInbox({
      connection: this.#connection,
      node,
      prefix: PREFIX,
      link: { commandTimeout: this.#commandTimeout },
      commandTimeout: this.#commandTimeout,
    });
    this.#inbox = inbox;
    inbox.onLink(({ transport }) => onLink(this.#track(transport)));
    await inbox.ready;
  }

  async dial(from: string, to: string): Promise<Transport> {
    const transport = await dialRedis({
      connection: this.#connection,
      from,
      to,
      prefix: PREFIX,
      link: { commandTimeout: this.#commandTimeout },
    });
    return this.#track(transport);
  }

  async close(): Promise<void> {
    await this.#inbox?.close();
    await Promise.all([...this.#transports].map((transport) => transport.close()));
  }

  #track(transport: Transport): Transport {
    this.#transports.add(transport);
    transport.onClose(() => this.#transports.delete(transport));
    return transport;
  }
}
