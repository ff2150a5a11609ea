import { durationOption, integerOption, optionsObject, rejectUnknownOptions } from '@palisade/core/internal';

/**
 * Key lifetimes of a session, modelled on WireGuard's timers
 * (REKEY_AFTER_MESSAGES, REKEY_AFTER_TIME, REJECT_AFTER_TIME, …), scaled to
 * counters that fit a JavaScript number.
 */
export interface SessionLimits {
  /** Ratchet the sending key (new epoch, old key erased) after this many frames in one epoch. @default 1_048_576 (2^20) */
  readonly rekeyAfterMessages?: number;
  /** Ratchet the sending key after it has been in use this long. @default 60_000 */
  readonly rekeyAfter?: number;
  /** A channel's initiator starts a new handshake once the session is this old (WireGuard REKEY_AFTER_TIME). @default 120_000 */
  readonly rehandshakeAfter?: number;
  /** …or once this many frames were sent (WireGuard REKEY_AFTER_MESSAGES, scaled). @default 2^48 */
  readonly rehandshakeAfterMessages?: number;
  /** The session refuses to send or receive once this old (WireGuard REJECT_AFTER_TIME). @default 180_000 */
  readonly rejectAfter?: number;
  /** …or once a counter reaches this (WireGuard REJECT_AFTER_MESSAGES, scaled). @default 2^52 */
  readonly rejectAfterMessages?: number;
  /** Replay-window size in datagram mode (RFC 6479), exact: frames this many counters or more behind the highest are refused. @default 2048 */
  readonly replayWindow?: number;
}

export type ResolvedSessionLimits = Required<SessionLimits>;

export const defaultSessionLimits: ResolvedSessionLimits = Object.freeze({
  rekeyAfterMessages: 2 ** 20,
  rekeyAfter: 60_000,
  rehandshakeAfter: 120_000,
  rehandshakeAfterMessages: 2 ** 48,
  rejectAfter: 180_000,
  rejectAfterMessages: 2 ** 52,
  replayWindow: 2048,
});

const SESSION_LIMIT_KEYS = Object.keys(defaultSessionLimits);

export function resolveSessionLimits(limits: SessionLimits | undefined): ResolvedSessionLimits {
  const given = optionsObject('limits', limits);
  rejectUnknownOptions(given, SESSION_LIMIT_KEYS, 'limits.');
  const merged = { ...defaultSessionLimits, ...given };
  const counter = { min: 1, max: 2 ** 52 };
  integerOption('limits.rekeyAfterMessages', merged.rekeyAfterMessages, counter);
  durationOption('limits.rekeyAfter', merged.rekeyAfter, { min: 1 });
  durationOption('limits.rehandshakeAfter', merged.rehandshakeAfter, { min: 1 });
  integerOption('limits.rehandshakeAfterMessages', merged.rehandshakeAfterMessages, counter);
  durationOption('limits.rejectAfter', merged.rejectAfter, { min: merged.rehandshakeAfter });
  integerOption('limits.rejectAfterMessages', merged.rejectAfterMessages, {
    min: merged.rehandshakeAfterMessages,
    max: 2 ** 52,
  });
  integerOption('limits.replayWindow', merged.replayWindow, { min: 32, max: 2 ** 20 });
  return Object.freeze(merged);
}
