import { type Clock, InvalidArgumentError, oneOfOption, optionsObject, realClock } from '@palisade/core';
import { ByteWriter, concatBytes, ownCopy, readUint32, utf8 } from './bytes.js';
import { AuthenticationFailedError, BadSignatureError, PeerMismatchError, UnexpectedMessageError } from './errors.js';
import {
  type CryptoChoice,
  cryptoChoiceOption,
  type HandshakeCrypto,
  resolveHandshakeCrypto,
} from './handshake-crypto.js';
import {
  decodeFinish,
  decodeHello,
  decodeIdentityProof,
  decodeResponse,
  encodeFinish,
  encodeHello,
  encodeIdentityBlock,
  encodeIdentityProof,
  encodeResponseHeader,
  HANDSHAKE_MAC_LENGTH,
  type IdentityProof,
} from './handshake-messages.js';
import { hkdfExpand, hkdfExtract } from './hkdf.js';
import { hmacSha512, verifyHmacSha512 } from './hmac.js';
import { checkNodeId, type Identity, identitySecrets } from './identity.js';
import type { KeyDirectory } from './key-directory.js';
import { nacl } from './nacl.js';
import { type RandomBytes, secureRandomBytes } from './random-bytes.js';
import { type PeerInfo, Session, type SessionMode } from './session.js';
import { resolveSessionLimits, type SessionLimits } from './session-limits.js';

/** Options shared by both sides of a handshake. */
export interface HandshakeOptions {
  /** This node's long-term keys. */
  readonly identity: Identity;
  /** Where the peer's public keys are looked up; revoked or retired keys are refused. */
  readonly directory: KeyDirectory;
  /** Time source of the session's rekey and expiry limits. @default realClock */
  readonly clock?: Clock;
  /**
   * Bound into the transcript (like a Noise prologue): both sides must use the
   * same value, so sessions of one deployment or protocol cannot be spliced
   * into another. @default ''
   */
  readonly context?: string;
  /** Session limits (rekey, rehandshake, reject, replay window). @default defaultSessionLimits */
  readonly limits?: SessionLimits;
  /** Implementation of the public-key operations; the wire bytes are identical. @default 'auto' */
  readonly crypto?: CryptoChoice;
  /** INSECURE, for tests and golden vectors only: source of the ephemeral keys. @default tweetnacl's CSPRNG */
  readonly insecureRandomBytesForTests?: RandomBytes;
}

export interface InitiatorOptions extends HandshakeOptions {
  /** The node id this side wants to reach. Any other authenticated peer is refused. */
  readonly peer: string;
  /** Datagram (reordering tolerated) or ordered stream with FINAL. The responder follows. @default 'datagram' */
  readonly mode?: SessionMode;
}

export interface ResponderOptions extends HandshakeOptions {
  /** Decides whether an authenticated initiator may open a session. @default every registered node but this one */
  readonly authorize?: (peer: PeerInfo) => boolean;
}

export type HandshakeState = 'new' | 'waiting' | 'established' | 'failed';

const ZERO_NONCE = new Uint8Array(24);
const HANDSHAKE_LABEL = utf8('palisade/v1 handshake');
const HANDSHAKE_KEYS_LABEL = utf8('palisade/v1 handshake keys');
const SESSION_KEYS_LABEL = utf8('palisade/v1 session');
const RESPONDER_SIGNATURE_LABEL = utf8('palisade/v1 responder signature\0');
const INITIATOR_SIGNATURE_LABEL = utf8('palisade/v1 initiator signature\0');

const hash = (...parts: Uint8Array[]): Uint8Array => nacl.hash(concatBytes(...parts));

function initialHash(context: string): Uint8Array {
  const encoded = utf8(context);
  return hash(new ByteWriter().bytes(HANDSHAKE_LABEL).u16(encoded.length).bytes(encoded).finish());
}

interface HandshakeKeys {
  readonly responderBox: Uint8Array;
  readonly initiatorBox: Uint8Array;
  readonly responderMac: Uint8Array;
  readonly initiatorMac: Uint8Array;
}

function handshakeKeys(sharedSecret: Uint8Array, responseTranscript: Uint8Array): HandshakeKeys {
  const okm = hkdfExpand(hkdfExtract(responseTranscript, sharedSecret), HANDSHAKE_KEYS_LABEL, 128);
  return {
    responderBox: okm.subarray(0, 32),
    initiatorBox: okm.subarray(32, 64),
    responderMac: okm.subarray(64, 96),
    initiatorMac: okm.subarray(96, 128),
  };
}

function sessionSecrets(
  sharedSecret: Uint8Array,
  finalTranscript: Uint8Array,
  initiatorBlock: Uint8Array,
  responderBlock: Uint8Array,
) {
  const info = concatBytes(SESSION_KEYS_LABEL, initiatorBlock, responderBlock);
  const okm = hkdfExpand(hkdfExtract(finalTranscript, sharedSecret), info, 68);
  return {
    initiatorToResponder: okm.slice(0, 32),
    responderToInitiator: okm.slice(32, 64),
    sessionId: readUint32(okm, 64),
  };
}

interface CommonConfig {
  readonly identity: Identity;
  readonly directory: KeyDirectory;
  readonly clock: Clock;
  readonly context: string;
  readonly limits: ReturnType<typeof resolveSessionLimits>;
  readonly crypto: CryptoChoice;
  readonly randomBytes: RandomBytes;
}

function commonConfig(options: HandshakeOptions): CommonConfig {
  const given = optionsObject('options', options);
  if (given.identity === undefined || given.directory === undefined) {
    throw new InvalidArgumentError('options', 'an object with identity and directory', given);
  }
  identitySecrets(given.identity);
  if (given.context !== undefined && typeof given.context !== 'string') {
    throw new InvalidArgumentError('options.context', 'a string', given.context);
  }
  return {
    identity: given.identity,
    directory: given.directory,
    clock: given.clock ?? realClock,
    context: given.context ?? '',
    limits: resolveSessionLimits(given.limits),
    crypto: cryptoChoiceOption(given.crypto),
    randomBytes: given.insecureRandomBytesForTests ?? secureRandomBytes,
  };
}

/** Checks the peer's proof: a registered, unrevoked key, a valid signature over the transcript, and the SIGMA MAC. */
async function verifyProof(
  crypto: HandshakeCrypto,
  config: CommonConfig,
  proof: IdentityProof,
  signatureLabel: Uint8Array,
  transcript: Uint8Array,
  macKey: Uint8Array,
  what: string,
): Promise<void> {
  const entry = config.directory.resolve(proof.nodeId, proof.epoch);
  const signed = concatBytes(signatureLabel, transcript, proof.identityBlock);
  if (!(await crypto.verify(signed, proof.signature, entry.signingPublicKey))) throw new BadSignatureError(what);
  if (!verifyHmacSha512(macKey, concatBytes(transcript, proof.identityBlock), proof.mac)) {
    throw new AuthenticationFailedError(`${what} MAC`);
  }
}

async function makeProof(
  crypto: HandshakeCrypto,
  identity: Identity,
  signatureLabel: Uint8Array,
  transcript: Uint8Array,
  macKey: Uint8Array,
): Promise<{ block: Uint8Array; payload: Uint8Array }> {
  const block = encodeIdentityBlock(identity.nodeId, identity.epoch);
  const signature = await crypto.sign(
    concatBytes(signatureLabel, transcript, block),
    identitySecrets(identity).signingSecretKey,
  );
  const mac = hmacSha512(macKey, concatBytes(transcript, block)).subarray(0, HANDSHAKE_MAC_LENGTH);
  return { block, payload: encodeIdentityProof(block, signature, mac) };
}

function openPayload(sealed: Uint8Array, key: Uint8Array, structure: string): IdentityProof {
  const payload = nacl.secretbox.open(sealed, ZERO_NONCE, key);
  if (!payload) throw new AuthenticationFailedError(structure);
  return decodeIdentityProof(payload, structure);
}

/**
 * The initiator's side of the SIGMA-I handshake (three messages: HELLO →,
 * ← RESPONSE, FINISH →). Does no I/O: hand its outputs to any transport.
 * One-shot: after any rejection it is `failed` and its secrets are erased.
 */
export class HandshakeInitiator {
  readonly peer: string;
  readonly mode: SessionMode;
  readonly #config: CommonConfig;
  #state: HandshakeState = 'new';
  #ephemeralSecret: Uint8Array | undefined;
  #helloTranscript: Uint8Array | undefined;
  #crypto: HandshakeCrypto | undefined;

  constructor(options: InitiatorOptions) {
    this.#config = commonConfig(options);
    this.peer = checkNodeId('options.peer', options.peer);
    if (this.peer === this.#config.identity.nodeId) {
      throw new InvalidArgumentError('options.peer', 'another node than this one', this.peer);
    }
    this.mode = oneOfOption('mode', options.mode ?? 'datagram', ['datagram', 'stream'] as const);
  }

  get state(): HandshakeState {
    return this.#state;
  }

  /** The HELLO message: version, type, mode and a fresh ephemeral X25519 key. */
  async start(): Promise<Uint8Array> {
    if (this.#state !== 'new') throw new UnexpectedMessageError(0, `the initiator is ${this.#state}`);
    this.#state = 'waiting';
    this.#crypto = await resolveHandshakeCrypto(this.#config.crypto);
    this.#ephemeralSecret = this.#config.randomBytes(32);
    const hello = encodeHello({
      mode: this.mode,
      ephemeralPublicKey: await this.#crypto.x25519PublicKey(this.#ephemeralSecret),
    });
    this.#helloTranscript = hash(initialHash(this.#config.context), hello);
    return hello;
  }

  /**
   * Checks the RESPONSE (responder's key, signature and MAC; that it is the
   * expected peer) and returns the FINISH to send plus the session. Works
   * on a copy of `bytes`, so the caller may reuse its buffer at once.
   */
  async receiveResponse(bytes: Uint8Array): Promise<{ finish: Uint8Array; session: Session }> {
    if (this.#state !== 'waiting') throw new UnexpectedMessageError(bytes?.[1] ?? 0, `the initiator is ${this.#state}`);
    try {
      return await this.#receiveResponse(ownCopy(bytes));
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  async #receiveResponse(bytes: Uint8Array): Promise<{ finish: Uint8Array; session: Session }> {
    const config = this.#config;
    const crypto = this.#crypto as HandshakeCrypto;
    const response = decodeResponse(bytes);
    const sharedSecret = await crypto.x25519(this.#ephemeralSecret as Uint8Array, response.ephemeralPublicKey);
    const responseTranscript = hash(this.#helloTranscript as Uint8Array, response.header);
    const keys = handshakeKeys(sharedSecret, responseTranscript);
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

    const fullResponseTranscript = hash(this.#helloTranscript as Uint8Array, bytes);
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
    sharedSecret.fill(0);
    for (const key of Object.values(keys)) key.fill(0);
    this.#erase();
    this.#state = 'established';
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
  }

  #erase(): void {
    this.#ephemeralSecret?.fill(0);
    this.#ephemeralSecret = undefined;
  }

  #fail(): void {
    this.#erase();
    this.#state = 'failed';
  }
}

/**
 * The responder's side of the handshake. It learns who the initiator is only
 * from FINISH, encrypted under keys only the two ephemeral secrets give, so
 * passive observers never see the initiator's identity.
 */
export class HandshakeResponder {
  readonly #config: CommonConfig;
  readonly #authorize: (peer: PeerInfo) => boolean;
  #state: HandshakeState = 'new';
  #mode: SessionMode = 'datagram';
  #sharedSecret: Uint8Array | undefined;
  #keys: HandshakeKeys | undefined;
  #ownBlock: Uint8Array | undefined;
  #fullResponseTranscript: Uint8Array | undefined;
  #crypto: HandshakeCrypto | undefined;

  constructor(options: ResponderOptions) {
    this.#config = commonConfig(options);
    const own = this.#config.identity.nodeId;
    this.#authorize = options.authorize ?? ((peer) => peer.nodeId !== own);
    if (typeof this.#authorize !== 'function') {
      throw new InvalidArgumentError('options.authorize', 'a function', options.authorize);
    }
  }

  get state(): HandshakeState {
    return this.#state;
  }

  /** Answers a HELLO with a RESPONSE carrying this node's encrypted identity proof. Works on a copy of `bytes`. */
  async receiveHello(bytes: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== 'new') throw new UnexpectedMessageError(bytes?.[1] ?? 0, `the responder is ${this.#state}`);
    this.#state = 'waiting';
    try {
      return await this.#receiveHello(ownCopy(bytes));
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  async #receiveHello(bytes: Uint8Array): Promise<Uint8Array> {
    const config = this.#config;
    const hello = decodeHello(bytes);
    const crypto = await resolveHandshakeCrypto(config.crypto);
    this.#crypto = crypto;
    this.#mode = hello.mode;
    const ephemeralSecret = config.randomBytes(32);
    try {
      const ephemeralPublicKey = await crypto.x25519PublicKey(ephemeralSecret);
      this.#sharedSecret = await crypto.x25519(ephemeralSecret, hello.ephemeralPublicKey);
      const helloTranscript = hash(initialHash(config.context), bytes);
      const header = encodeResponseHeader(ephemeralPublicKey);
      const responseTranscript = hash(helloTranscript, header);
      const keys = handshakeKeys(this.#sharedSecret, responseTranscript);
      this.#keys = keys;
      const own = await makeProof(
        crypto,
        config.identity,
        RESPONDER_SIGNATURE_LABEL,
        responseTranscript,
        keys.responderMac,
      );
      this.#ownBlock = own.block;
      const response = concatBytes(header, nacl.secretbox(own.payload, ZERO_NONCE, keys.responderBox));
      this.#fullResponseTranscript = hash(helloTranscript, response);
      return response;
    } finally {
      ephemeralSecret.fill(0);
    }
  }

  /** Checks the FINISH (initiator's key, signature, MAC, authorization) and returns the session. Works on a copy of `bytes`. */
  async receiveFinish(bytes: Uint8Array): Promise<Session> {
    if (this.#state !== 'waiting' || this.#keys === undefined) {
      throw new UnexpectedMessageError(bytes?.[1] ?? 0, `the responder is ${this.#state}`);
    }
    try {
      return await this.#receiveFinish(ownCopy(bytes));
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  async #receiveFinish(bytes: Uint8Array): Promise<Session> {
    const config = this.#config;
    const keys = this.#keys as HandshakeKeys;
    const transcript = this.#fullResponseTranscript as Uint8Array;
    const finish = decodeFinish(bytes);
    const proof = openPayload(finish.sealedPayload, keys.initiatorBox, 'finish');
    const peer: PeerInfo = { nodeId: proof.nodeId, epoch: proof.epoch };
    await verifyProof(
      this.#crypto as HandshakeCrypto,
      config,
      proof,
      INITIATOR_SIGNATURE_LABEL,
      transcript,
      keys.initiatorMac,
      'finish',
    );
    if (!this.#authorize(peer)) throw new PeerMismatchError('an authorized peer', proof.nodeId);
    const finalTranscript = hash(transcript, bytes);
    const secrets = sessionSecrets(
      this.#sharedSecret as Uint8Array,
      finalTranscript,
      proof.identityBlock,
      this.#ownBlock as Uint8Array,
    );
    this.#erase();
    this.#state = 'established';
    return new Session(
      {
        role: 'responder',
        sessionId: secrets.sessionId,
        sendKey: secrets.responderToInitiator,
        receiveKey: secrets.initiatorToResponder,
        mode: this.#mode,
        localNodeId: config.identity.nodeId,
        peer,
        transcriptHash: finalTranscript,
      },
      config.clock,
      config.limits,
    );
  }

  #erase(): void {
    this.#sharedSecret?.fill(0);
    this.#sharedSecret = undefined;
    if (this.#keys !== undefined) {
      for (const key of Object.values(this.#keys)) key.fill(0);
    }
    this.#keys = undefined;
  }

  #fail(): void {
    this.#erase();
    this.#state = 'failed';
  }
}
