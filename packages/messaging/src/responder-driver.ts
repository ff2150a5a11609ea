import { DeadlineExceededError } from '@palisade/core';
import { bytesEqual } from './bytes.js';
import { type MessagingError, SessionClosedError, UnexpectedMessageError } from './errors.js';
import type { ChannelHost, HandshakeDriver } from './handshake-driver.js';
import type { ResponderOptions } from './handshake-options.js';
import { HandshakeResponder } from './handshake-responder.js';
import type { Session } from './session.js';
import { MessageType } from './wire.js';

type ResponderDriverState =
  | { readonly name: 'listening' }
  /**
   * Answered `hello` with `response`; only that handshake's FINISH is taken.
   * A copy of `hello` gets `response` again; any other HELLO replaces it.
   */
  | {
      readonly name: 'awaiting-finish';
      readonly handshake: HandshakeResponder;
      readonly hello: Uint8Array;
      readonly response: Uint8Array;
    }
  | { readonly name: 'closed' };

/** The FINISH that established the current session, and when its receipt was last confirmed. */
interface Confirmation {
  readonly finish: Uint8Array;
  confirmedAt: number;
}

/**
 * The responder's handshakes on a channel: it answers every HELLO (the
 * initiator retries and re-handshakes with fresh ones), installs the session
 * a valid FINISH completes, and confirms it with a KEEPALIVE. The channel
 * closes if no handshake completes within `handshakeTimeout`.
 */
export class ResponderDriver implements HandshakeDriver {
  readonly #host: ChannelHost;
  readonly #handshakeOptions: ResponderOptions;
  #state: ResponderDriverState = { name: 'listening' };
  #confirmation: Confirmation | undefined;

  constructor(host: ChannelHost, handshakeOptions: ResponderOptions) {
    this.#host = host;
    this.#handshakeOptions = handshakeOptions;
  }

  start(): void {
    const timeout = this.#host.settings.handshakeTimeout;
    this.#host.timers.set(() => {
      if (this.#host.current() !== undefined) return;
      this.#host.abandon(
        new DeadlineExceededError(timeout, `No handshake completed within ${timeout} ms.`),
        new SessionClosedError('no handshake completed in time'),
      );
    }, timeout);
  }

  async receive(type: MessageType, bytes: Uint8Array): Promise<void> {
    if (type === MessageType.hello) return this.#answerHello(bytes);
    if (type === MessageType.finish) return this.#acceptFinish(type, bytes);
    throw new UnexpectedMessageError(type, 'the responder expects only HELLO or FINISH');
  }

  unconfirmed(): Session | undefined {
    return undefined;
  }

  confirmed(): void {}

  installed(): void {}

  sent(): void {}

  refused(_error: MessagingError): void {}

  close(): void {
    this.#state = { name: 'closed' };
  }

  async #answerHello(bytes: Uint8Array): Promise<void> {
    const state = this.#state;
    if (state.name === 'awaiting-finish' && state.handshake.state === 'waiting' && bytesEqual(state.hello, bytes)) {
      // The initiator resends its HELLO until an answer reaches it. The same
      // answer again, rather than a new handshake, lets whichever copy of it
      // arrives first complete the handshake however slow the link, and
      // costs no signature.
      this.#host.transmit(state.response);
      return;
    }
    const handshake = new HandshakeResponder(this.#handshakeOptions);
    const response = await handshake.receiveHello(bytes);
    if (this.#host.isClosed()) return;
    this.#state = { name: 'awaiting-finish', handshake, hello: Uint8Array.from(bytes), response };
    this.#host.transmit(response);
  }

  async #acceptFinish(type: MessageType, bytes: Uint8Array): Promise<void> {
    const current = this.#host.current();
    if (this.#confirmation !== undefined && current !== undefined && bytesEqual(this.#confirmation.finish, bytes)) {
      // The initiator resends its FINISH until our confirmation reaches it,
      // so this is its resend, a duplicate from the network or a replay. Our
      // confirmation may have been lost, so confirm again, but no more than
      // once per retry period: otherwise each replayed copy buys the
      // attacker a fresh frame.
      const now = this.#host.settings.clock.now();
      if (now - this.#confirmation.confirmedAt >= this.#host.settings.handshakeRetry) {
        this.#confirmation.confirmedAt = now;
        this.#host.transmit(current.sealKeepalive());
      }
      throw new UnexpectedMessageError(type, 'its handshake is already complete (a duplicated or replayed FINISH)');
    }
    const state = this.#state;
    if (state.name !== 'awaiting-finish' || state.handshake.state !== 'waiting') {
      throw new UnexpectedMessageError(type, 'no HELLO is awaiting its FINISH');
    }
    this.#state = { name: 'listening' };
    const session = await state.handshake.receiveFinish(bytes);
    if (this.#host.isClosed()) {
      session.close('channel closed');
      return;
    }
    const previousPeer = this.#host.current()?.peer.nodeId;
    if (previousPeer !== undefined && previousPeer !== session.peer.nodeId) {
      session.close('peer changed');
      throw new UnexpectedMessageError(type, `a channel with ${JSON.stringify(previousPeer)}`);
    }
    this.#confirmation = { finish: Uint8Array.from(bytes), confirmedAt: this.#host.settings.clock.now() };
    // The confirming KEEPALIVE is the session's first frame, ahead of the
    // sends that waited for the channel to open.
    this.#host.transmit(session.sealKeepalive());
    this.#host.install(session);
  }
}
