import { accept, connect, type Identity, type KeyDirectory, type SecureChannel } from '@palisade/messaging';
import { isBranch } from '../bank/accounts.ts';
import type { Links } from '../common/links.ts';
import { PendingAnswers } from '../common/pending-answers.ts';

/** A message between branches: JSON with a request id, so that one channel carries many requests at once. */
export interface Envelope {
  readonly rid: number;
  readonly body: unknown;
}

export interface PeersOptions {
  /** This branch's current identity (it changes when the key is replaced). */
  readonly identity: () => Identity;
  readonly directory: KeyDirectory;
  readonly links: Links;
  /** Answers a request another branch sent; `peer` is who the channel authenticated. */
  readonly handle: (peer: string, body: unknown) => Promise<unknown>;
  /** How long a request waits for its answer. */
  readonly requestTimeout: number;
  /** A channel opened to this branch authenticated `peer`. */
  readonly onSession?: (peer: string) => void;
  /** Every channel, as it opens: `out` for one this node dialled, `in` for one dialled to it. */
  readonly onChannel?: (channel: SecureChannel, direction: 'in' | 'out') => void;
  /** A handshake or a frame was refused, with the messaging error's code. */
  readonly onRefused?: (stage: 'handshake' | 'frame', code: string) => void;
}

interface Outgoing {
  readonly channel: SecureChannel;
  readonly pending: PendingAnswers;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (envelope: Envelope): Uint8Array => encoder.encode(JSON.stringify(envelope));
const codeOf = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? 'unknown');

/**
 * Request and answer between branches, over one secure channel per pair
 * and direction: the asking branch dials and runs `connect`, the asked
 * branch runs `accept` on every link dialled to it. A channel that fails
 * or times out is dropped, and the next request dials again.
 */
export class Peers {
  readonly #options: PeersOptions;
  readonly #outgoing = new Map<string, Promise<Outgoing>>();
  readonly #incoming = new Set<SecureChannel>();
  #closed = false;

  constructor(options: PeersOptions) {
    this.#options = options;
  }

  /** Starts accepting channels dialled to `self`. */
  listen(self: string): Promise<void> {
    return this.#options.links.listen(self, (transport) => this.#accept(transport));
  }

  async request(to: string, body: unknown): Promise<unknown> {
    if (this.#closed) throw new Error('closed');
    const outgoing = await this.#open(to);
    const timeout = this.#options.requestTimeout;
    const { rid, answer } = outgoing.pending.ask(timeout, () => {
      // An answer that never comes usually means the peer is gone: dial afresh next time.
      this.#drop(to, outgoing);
      return new Error(`${to} did not answer within ${timeout} ms`);
    });
    outgoing.channel.send(encode({ rid, body })).catch(() => {});
    return answer;
  }

  /** Closes every channel, both ways: after this branch's key was replaced, new ones use the new key. */
  async reset(): Promise<void> {
    const outgoing = [...this.#outgoing.values()];
    this.#outgoing.clear();
    const channels = [...this.#incoming];
    await Promise.all([
      ...outgoing.map((opening) =>
        opening.then(
          (open) => open.channel.close(),
          () => {},
        ),
      ),
      ...channels.map((channel) => channel.close()),
    ]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.reset();
  }

  #open(to: string): Promise<Outgoing> {
    const existing = this.#outgoing.get(to);
    if (existing !== undefined) return existing;
    const opening = (async (): Promise<Outgoing> => {
      const identity = this.#options.identity();
      const transport = await this.#options.links.dial(identity.nodeId, to);
      const channel = connect(transport, {
        identity,
        directory: this.#options.directory,
        peer: to,
        // A link is a reliable stream, so nothing needs resending within a request's time;
        // a handshake that fails is a fresh link on the next request.
        handshakeRetry: this.#options.requestTimeout,
        handshakeTimeout: this.#options.requestTimeout,
      });
      this.#options.onChannel?.(channel, 'out');
      const outgoing: Outgoing = { channel, pending: new PendingAnswers() };
      channel.onMessage((bytes) => {
        const { rid, body } = JSON.parse(decoder.decode(bytes)) as Envelope;
        outgoing.pending.answer(rid, body);
      });
      channel.onReject(({ stage, error }) => {
        if (stage === 'frame') this.#options.onRefused?.(stage, error.code);
      });
      channel.onClose(({ error }) => {
        this.#drop(to, outgoing);
        outgoing.pending.failAll(error ?? new Error(`channel to ${to} closed`));
      });
      return outgoing;
    })();
    this.#outgoing.set(to, opening);
    opening.catch(() => {
      if (this.#outgoing.get(to) === opening) this.#outgoing.delete(to);
    });
    return opening;
  }

  #drop(to: string, outgoing: Outgoing): void {
    const current = this.#outgoing.get(to);
    if (current === undefined) return;
    void current.then((open) => {
      if (open !== outgoing) return;
      if (this.#outgoing.get(to) === current) this.#outgoing.delete(to);
      void open.channel.close();
    });
  }

  #accept(transport: Parameters<typeof accept>[0]): void {
    if (this.#closed) {
      void transport.close();
      return;
    }
    const channel = accept(transport, {
      identity: this.#options.identity(),
      directory: this.#options.directory,
      authorize: (peer) => isBranch(peer.nodeId),
      handshakeTimeout: 10_000,
    });
    this.#options.onChannel?.(channel, 'in');
    this.#incoming.add(channel);
    channel.onClose(() => this.#incoming.delete(channel));
    channel.onReject(({ stage, error }) => {
      if (stage === 'frame') this.#options.onRefused?.(stage, error.code);
    });
    // Listening from the start: a request may arrive in the same read as the handshake's last message.
    channel.onMessage((bytes) => {
      const peer = channel.peer?.nodeId;
      if (peer === undefined) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(decoder.decode(bytes)) as Envelope;
      } catch {
        return;
      }
      this.#options.handle(peer, envelope.body).then(
        (answer) => channel.send(encode({ rid: envelope.rid, body: answer })).catch(() => {}),
        () => {},
      );
    });
    channel.ready.then(
      () => this.#options.onSession?.(channel.peer?.nodeId as string),
      (error: unknown) => {
        this.#options.onRefused?.('handshake', codeOf(error));
        this.#incoming.delete(channel);
      },
    );
  }
}
