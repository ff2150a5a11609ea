import { oneOfOption } from '@palisade/core/internal';
import { bytesEqual, checkBytes, concatBytes, isBytes } from './bytes.js';
import { ED25519_SECRET_KEY_LENGTH, hasCanonicalScalar, sign, strictVerify } from './ed25519.js';
import { NativeCryptoUnavailableError } from './errors.js';
import { nacl } from './nacl.js';
import { checkPeerPublicKey, safeX25519, X25519_KEY_LENGTH, x25519PublicKey } from './x25519.js';

/**
 * Which implementation runs the handshake's public-key operations.
 * `auto` uses the platform's WebCrypto Ed25519/X25519 when it has them
 * (Node 22, recent browsers) and tweetnacl otherwise. The bytes on the wire
 * are the same either way: Ed25519 signatures are deterministic and X25519 is
 * a function, so the two paths interoperate and produce identical transcripts.
 */
export type CryptoChoice = 'auto' | 'tweetnacl' | 'native';

/**
 * The four public-key operations of a handshake, behind one seam. A secret
 * key or message that is not bytes of the right length rejects with
 * `InvalidArgumentError`; a peer's public key that is not 32 bytes, with
 * `MalformedMessageError`.
 */
export interface HandshakeCrypto {
  readonly name: 'tweetnacl' | 'native';
  x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array>;
  /** Throws `LowOrderPointError` for an all-zero result. */
  x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Promise<Uint8Array>;
  /** `secretKey` is tweetnacl's 64-byte Ed25519 secret key (seed ‖ public key). */
  sign(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>;
  /** Strict: rejects S ≥ L. Never throws or rejects: bad arguments give false. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
}

export const tweetnaclCrypto: HandshakeCrypto = Object.freeze({
  name: 'tweetnacl',
  x25519PublicKey: async (secretKey: Uint8Array) => x25519PublicKey(secretKey),
  x25519: async (secretKey: Uint8Array, peerPublicKey: Uint8Array) => safeX25519(secretKey, peerPublicKey),
  sign: async (message: Uint8Array, secretKey: Uint8Array) => sign(message, secretKey),
  verify: async (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) =>
    strictVerify(message, signature, publicKey),
});

// PKCS#8 wrappers for raw 32-byte keys (RFC 8410): WebCrypto imports private
// X25519/Ed25519 keys only in PKCS#8 or JWK form.
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const X25519_BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/** WebCrypto's types insist on ArrayBuffer-backed views; copy the rare other kind. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
}

function subtleCrypto(): SubtleCrypto | undefined {
  return (globalThis as { crypto?: Crypto }).crypto?.subtle;
}

function createNativeCrypto(subtle: SubtleCrypto): HandshakeCrypto {
  const signingKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  const verifyingKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  let basePoint: Promise<CryptoKey> | undefined;

  const importX25519Secret = (secretKey: Uint8Array) =>
    subtle.importKey('pkcs8', source(concatBytes(X25519_PKCS8_PREFIX, secretKey)), { name: 'X25519' }, false, [
      'deriveBits',
    ]);

  const derive = async (secretKey: Uint8Array, publicKey: CryptoKey) =>
    new Uint8Array(
      await subtle.deriveBits({ name: 'X25519', public: publicKey }, await importX25519Secret(secretKey), 256),
    );

  return Object.freeze({
    name: 'native',
    async x25519PublicKey(secretKey: Uint8Array) {
      checkBytes('secretKey', secretKey, X25519_KEY_LENGTH);
      basePoint ??= subtle.importKey('raw', X25519_BASE_POINT, { name: 'X25519' }, false, []);
      return derive(secretKey, await basePoint);
    },
    async x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array) {
      checkBytes('secretKey', secretKey, X25519_KEY_LENGTH);
      checkPeerPublicKey(peerPublicKey);
      try {
        const peer = await subtle.importKey('raw', source(peerPublicKey), { name: 'X25519' }, false, []);
        return await derive(secretKey, peer);
      } catch {
        // WebCrypto throws an opaque OperationError for a low-order key.
        // Re-running in tweetnacl gives the same answer or the typed error,
        // and costs nothing on the honest path.
        return safeX25519(secretKey, peerPublicKey);
      }
    },
    async sign(message: Uint8Array, secretKey: Uint8Array) {
      checkBytes('message', message);
      checkBytes('secretKey', secretKey, ED25519_SECRET_KEY_LENGTH);
      let key = signingKeys.get(secretKey);
      if (key === undefined) {
        key = subtle.importKey(
          'pkcs8',
          source(concatBytes(ED25519_PKCS8_PREFIX, secretKey.subarray(0, 32))),
          { name: 'Ed25519' },
          false,
          ['sign'],
        );
        signingKeys.set(secretKey, key);
      }
      return new Uint8Array(await subtle.sign('Ed25519', await key, source(message)));
    },
    async verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) {
      if (!isBytes(message) || !isBytes(publicKey, 32) || !hasCanonicalScalar(signature)) return false;
      try {
        let key = verifyingKeys.get(publicKey);
        if (key === undefined) {
          key = subtle.importKey('raw', source(publicKey), { name: 'Ed25519' }, false, ['verify']);
          verifyingKeys.set(publicKey, key);
        }
        return await subtle.verify('Ed25519', await key, source(signature), source(message));
      } catch {
        return false;
      }
    },
  });
}

let nativeProbe: Promise<HandshakeCrypto | undefined> | undefined;

/**
 * The platform's WebCrypto Ed25519/X25519, or undefined where they are
 * missing. Probed once: a known seed must sign exactly as tweetnacl signs, and
 * an X25519 agreement must match, so a platform with a divergent
 * implementation falls back instead of breaking interoperability.
 */
export function nativeHandshakeCrypto(): Promise<HandshakeCrypto | undefined> {
  nativeProbe ??= (async () => {
    const subtle = subtleCrypto();
    if (subtle === undefined) return undefined;
    try {
      const native = createNativeCrypto(subtle);
      const { secretKey } = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
      const probeMessage = Uint8Array.of(1, 2, 3);
      const [nativeSignature, naclSignature] = [
        await native.sign(probeMessage, secretKey),
        await tweetnaclCrypto.sign(probeMessage, secretKey),
      ];
      const scalar = new Uint8Array(32).fill(5);
      const agreed = bytesEqual(await native.x25519PublicKey(scalar), await tweetnaclCrypto.x25519PublicKey(scalar));
      return bytesEqual(nativeSignature, naclSignature) && agreed ? native : undefined;
    } catch {
      return undefined;
    }
  })();
  return nativeProbe;
}

/** Resolves a `crypto` option to an implementation. */
export async function resolveHandshakeCrypto(choice: CryptoChoice): Promise<HandshakeCrypto> {
  if (choice === 'tweetnacl') return tweetnaclCrypto;
  const native = await nativeHandshakeCrypto();
  if (native !== undefined) return native;
  if (choice === 'native') throw new NativeCryptoUnavailableError();
  return tweetnaclCrypto;
}

export function cryptoChoiceOption(value: unknown): CryptoChoice {
  return oneOfOption('crypto', value ?? 'auto', ['auto', 'tweetnacl', 'native'] as const);
}
