/**
 * `@palisade/messaging/testing`: helpers for tests, golden vectors and
 * simulations. INSECURE by design: never use them in production.
 */
export { insecureDeterministicRandomBytes } from './random-bytes.js';
