import { ownCopy } from './bytes.js';
import { PeerMismatchError, UnexpectedMessageError } from './errors.js';
import { type HandshakeCrypto, resolveHandshakeCrypto } from './handshake-crypto.js';
import { decodeResponse, encodeFinish, encodeHello } from './handshake-messages.js';
import { type InitiatorConfig, type InitiatorOptions, resolveInitiatorConfig } from './handshake-options.js';
import {
  eraseHandshakeKeys,
  type HandshakeKeys,
  type HandshakeState,
  handshakeKeys,
  hash,
  INITIATOR_SIGNATURE_LABEL,
  initialHash,
  makeProof,
  openPayload,
  RESPONDER_SIGNATURE_LABEL,
  sessionSecrets,
  verifyProof,
  ZERO_NONCE,
} from './handshake-protocol.js';
import { nacl } from './nacl.js';
import { Session, type SessionMode } from './session.js';

/** Where the initiator stands; only `waiting` holds secrets, and leaving it erases them. */
type InitiatorStep =
  | { readonly name: 'new' }
  | { readonly name: 'making-hello' }
  | {
      readonly name: 'waiting';
      readonly crypto: HandshakeCrypto;
      readonly ephemeralSecret: Uint8Array;
      readonly helloTranscript: Uint8Array;
    }
  | { readonly name: 'checking-response' }
  | { readonly name: 'established' }
  | { readonly name: 'failed' };

/** What the initiator sends last, and the session it established. */
export interface InitiatorResult {
  readonly finish: Uint8Array;
  readonly session: Session;
}

/**
 * The initiator's side of the SIGMA-I handshake (three messages: HELLO →,
 * ← RESPONSE, FINISH →). Does no I/O: hand its outputs to any transport.
 * One-shot: after any rejection it is `failed` and its secrets are erased.
 */
export class HandshakeInitiator {
  readonly peer: string;
  readonly mode: SessionMode;
  readonly #config: InitiatorConfig;
  #step: InitiatorStep = { name: 'new' };

  constructor(options: InitiatorOptions) {
    this.#config = resolveInitiatorConfig(options);
    this.peer = this.#config.peer;
    this.mode = this.#config.mode;
  }

  get state(): HandshakeState {
    switch (this.#step.name) {
      case 'new':
      case 'established':
      case 'failed':
        return this.#step.name;
      default:
        return 'waiting';
    }
  }

  /** The HELLO message: version, type, mode and a fresh ephemeral X25519 key. */
  async start(): Promise<Uint8Array> {
    if (this.#step.name !== 'new') throw new UnexpectedMessageError(0, this.#describe());
    this.#step = { name: 'making-hello' };
    const config = this.#config;
    let ephemeralSecret: Uint8Array | undefined;
    try {
      const crypto = await resolveHandshakeCrypto(config.crypto);
      ephemeralSecret = config.randomBytes(32);
      const hello = encodeHello({ mode: this.mode, ephemeralPublicKey: await crypto.x25519PublicKey(ephemeralSecret) });
      const helloTranscript = hash(initialHash(config.context), hello);
      this.#step = { name: 'waiting', crypto, ephemeralSecret, helloTranscript };
      return hello;
    } catch (error) {
      ephemeralSecret?.fill(0);
      this.#step = { name: 'failed' };
      throw error;
    }
  }

  /**
   * Checks the RESPONSE (responder's key, signature and MAC; that it is the
   * expected peer) and returns the FINISH to send plus the session. Works
   * on a copy of `bytes`, so the caller may reuse its buffer at once.
   */
  async receiveResponse(bytes: Uint8Array): Promise<InitiatorResult> {
    const step = this.#step;
    if (step.name !== 'waiting') throw new UnexpectedMessageError(bytes?.[1] ?? 0, this.#describe());
    this.#step = { name: 'checking-response' };
    try {
      const result = await this.#answer(step, ownCopy(bytes));
      this.#step = { name: 'established' };
      return result;
    } catch (error) {
      this.#step = { name: 'failed' };
      throw error;
    } finally {
      step.ephemeralSecret.fill(0);
    }
  }

  async #answer(step: Extract<InitiatorStep, { name: 'waiting' }>, bytes: Uint8Array): Promise<InitiatorResult> {
    const config = this.#config;
    const { crypto, helloTranscript } = step;
    const response = decodeResponse(bytes);
    const sharedSecret = await crypto.x25519(step.ephemeralSecret, response.ephemeralPublicKey);
    let keys: HandshakeKeys | undefined;
    try {
      const responseTranscript = hash(helloTranscript, response.header);
      keys = handshakeKeys(sharedSecret, responseTranscript);
      const proof = openPayload(response.sealedPayload, keys.responderBox, 'response');
      if (proof.nodeId !== this.peer) throw new PeerMismatchError(this.peer, proof.nodeId);
      await verifyProof(
        crypto,
        config,
        proof,
        RESPONDER_SIGNATURE_LABEL,
        responseTranscript,
        keys.responderMac,
        'response',
      );

      const fullResponseTranscript = hash(helloTranscript, bytes);
      const own = await makeProof(
        crypto,
        config.identity,
        INITIATOR_SIGNATURE_LABEL,
        fullResponseTranscript,
        keys.initiatorMac,
      );
      const finish = encodeFinish(nacl.secretbox(own.payload, ZERO_NONCE, keys.initiatorBox));
      const finalTranscript = hash(fullResponseTranscript, finish);
      const secrets = sessionSecrets(sharedSecret, finalTranscript, own.block, proof.identityBlock);
      const session = new Session(
        {
          role: 'initiator',
          sessionId: secrets.sessionId,
          sendKey: secrets.initiatorToResponder,
          receiveKey: secrets.responderToInitiator,
          mode: this.mode,
          localNodeId: config.identity.nodeId,
          peer: { nodeId: proof.nodeId, epoch: proof.epoch },
          transcriptHash: finalTranscript,
        },
        config.clock,
        config.limits,
      );
      return { finish, session };
    } finally {
      sharedSecret.fill(0);
      if (keys !== undefined) eraseHandshakeKeys(keys);
    }
  }

  #describe(): string {
    switch (this.#step.name) {
      case 'making-hello':
        return 'the initiator is still making its HELLO';
      case 'checking-response':
        return 'the initiator is already checking a RESPONSE';
      default:
        return `the initiator is ${this.#step.name}`;
    }
  }
}
