import { concatBytes, ownCopy } from './bytes.js';
import { PeerMismatchError, UnexpectedMessageError } from './errors.js';
import { type HandshakeCrypto, resolveHandshakeCrypto } from './handshake-crypto.js';
import { decodeFinish, decodeHello, encodeResponseHeader } from './handshake-messages.js';
import { type ResponderConfig, type ResponderOptions, resolveResponderConfig } from './handshake-options.js';
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
import { type PeerInfo, Session, type SessionMode } from './session.js';

/** Where the responder stands; only `waiting` holds secrets, and leaving it erases them. */
type ResponderStep =
  | { readonly name: 'new' }
  | { readonly name: 'answering-hello' }
  | {
      readonly name: 'waiting';
      readonly crypto: HandshakeCrypto;
      readonly mode: SessionMode;
      readonly sharedSecret: Uint8Array;
      readonly keys: HandshakeKeys;
      readonly ownBlock: Uint8Array;
      readonly fullResponseTranscript: Uint8Array;
    }
  | { readonly name: 'checking-finish' }
  | { readonly name: 'established' }
  | { readonly name: 'failed' };

type Waiting = Extract<ResponderStep, { name: 'waiting' }>;

/**
 * The responder's side of the handshake. It learns who the initiator is only
 * from FINISH, encrypted under keys only the two ephemeral secrets give, so
 * passive observers never see the initiator's identity.
 */
export class HandshakeResponder {
  readonly #config: ResponderConfig;
  #step: ResponderStep = { name: 'new' };

  constructor(options: ResponderOptions) {
    this.#config = resolveResponderConfig(options);
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

  /** Answers a HELLO with a RESPONSE carrying this node's encrypted identity proof. Works on a copy of `bytes`. */
  async receiveHello(bytes: Uint8Array): Promise<Uint8Array> {
    if (this.#step.name !== 'new') throw new UnexpectedMessageError(bytes?.[1] ?? 0, this.#describe());
    this.#step = { name: 'answering-hello' };
    try {
      const { response, waiting } = await this.#answer(ownCopy(bytes));
      this.#step = waiting;
      return response;
    } catch (error) {
      this.#step = { name: 'failed' };
      throw error;
    }
  }

  async #answer(bytes: Uint8Array): Promise<{ response: Uint8Array; waiting: Waiting }> {
    const config = this.#config;
    const hello = decodeHello(bytes);
    const crypto = await resolveHandshakeCrypto(config.crypto);
    const ephemeralSecret = config.randomBytes(32);
    let sharedSecret: Uint8Array | undefined;
    let keys: HandshakeKeys | undefined;
    try {
      const ephemeralPublicKey = await crypto.x25519PublicKey(ephemeralSecret);
      sharedSecret = await crypto.x25519(ephemeralSecret, hello.ephemeralPublicKey);
      const helloTranscript = hash(initialHash(config.context), bytes);
      const header = encodeResponseHeader(ephemeralPublicKey);
      const responseTranscript = hash(helloTranscript, header);
      keys = handshakeKeys(sharedSecret, responseTranscript);
      const own = await makeProof(
        crypto,
        config.identity,
        RESPONDER_SIGNATURE_LABEL,
        responseTranscript,
        keys.responderMac,
      );
      const response = concatBytes(header, nacl.secretbox(own.payload, ZERO_NONCE, keys.responderBox));
      const waiting: Waiting = {
        name: 'waiting',
        crypto,
        mode: hello.mode,
        sharedSecret,
        keys,
        ownBlock: own.block,
        fullResponseTranscript: hash(helloTranscript, response),
      };
      return { response, waiting };
    } catch (error) {
      sharedSecret?.fill(0);
      if (keys !== undefined) eraseHandshakeKeys(keys);
      throw error;
    } finally {
      ephemeralSecret.fill(0);
    }
  }

  /** Checks the FINISH (initiator's key, signature, MAC, authorization) and returns the session. Works on a copy of `bytes`. */
  async receiveFinish(bytes: Uint8Array): Promise<Session> {
    const step = this.#step;
    if (step.name !== 'waiting') throw new UnexpectedMessageError(bytes?.[1] ?? 0, this.#describe());
    this.#step = { name: 'checking-finish' };
    try {
      const session = await this.#confirm(step, ownCopy(bytes));
      this.#step = { name: 'established' };
      return session;
    } catch (error) {
      this.#step = { name: 'failed' };
      throw error;
    } finally {
      step.sharedSecret.fill(0);
      eraseHandshakeKeys(step.keys);
    }
  }

  async #confirm(step: Waiting, bytes: Uint8Array): Promise<Session> {
    const config = this.#config;
    const { keys, fullResponseTranscript: transcript } = step;
    const finish = decodeFinish(bytes);
    const proof = openPayload(finish.sealedPayload, keys.initiatorBox, 'finish');
    const peer: PeerInfo = { nodeId: proof.nodeId, epoch: proof.epoch };
    await verifyProof(step.crypto, config, proof, INITIATOR_SIGNATURE_LABEL, transcript, keys.initiatorMac, 'finish');
    if (!config.authorize(peer)) throw new PeerMismatchError('an authorized peer', proof.nodeId);
    const finalTranscript = hash(transcript, bytes);
    const secrets = sessionSecrets(step.sharedSecret, finalTranscript, proof.identityBlock, step.ownBlock);
    return new Session(
      {
        role: 'responder',
        sessionId: secrets.sessionId,
        sendKey: secrets.responderToInitiator,
        receiveKey: secrets.initiatorToResponder,
        mode: step.mode,
        localNodeId: config.identity.nodeId,
        peer,
        transcriptHash: finalTranscript,
      },
      config.clock,
      config.limits,
    );
  }

  #describe(): string {
    switch (this.#step.name) {
      case 'answering-hello':
        return 'the responder is still answering a HELLO';
      case 'checking-finish':
        return 'the responder is already checking a FINISH';
      default:
        return `the responder is ${this.#step.name}`;
    }
  }
}
