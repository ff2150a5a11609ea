import { type Clock, InvalidOptionError, isAbortSignal } from '@palisade/core';
import { durationOption, integerOption, optionsObject } from '@palisade/core/internal';
import {
  type HandshakeConfig,
  type HandshakeOptions,
  INITIATOR_OPTION_KEYS,
  type InitiatorOptions,
  RESPONDER_OPTION_KEYS,
  type ResponderOptions,
  resolveInitiatorConfig,
  resolveResponderConfig,
} from './handshake-options.js';

export interface ChannelOptions extends HandshakeOptions {
  /**
   * Resend the same HELLO when no RESPONSE came within this time, then the
   * same FINISH when no confirmation came (WireGuard REKEY_TIMEOUT). A peer
   * slower than this still completes: an answer to any copy is taken.
   * @default 5_000
   */
  readonly handshakeRetry?: number;
  /** Give up a handshake after this long (WireGuard REKEY_ATTEMPT_TIME). @default 90_000 */
  readonly handshakeTimeout?: number;
  /**
   * How many `send`/`end` calls may wait for the first handshake; the next
   * one rejects with `SendQueueFullError`. `0` refuses every send before
   * `ready`; `Infinity` never refuses. @default 1_024
   */
  readonly maxQueuedSends?: number;
  /** Aborting it closes the channel (and rejects `ready` if still pending). */
  readonly signal?: AbortSignal;
}

export interface ConnectOptions extends ChannelOptions, Pick<InitiatorOptions, 'peer' | 'mode'> {}
export interface AcceptOptions extends ChannelOptions, Pick<ResponderOptions, 'authorize'> {}

const CHANNEL_OPTION_KEYS = [
  'handshakeRetry',
  'handshakeTimeout',
  'maxQueuedSends',
  'signal',
] as const satisfies readonly Exclude<keyof ChannelOptions, keyof HandshakeOptions>[];

/** What the channel itself does with its options, checked and with defaults. */
export interface ChannelSettings {
  readonly clock: Clock;
  readonly handshakeRetry: number;
  readonly handshakeTimeout: number;
  readonly maxQueuedSends: number;
  readonly signal: AbortSignal | undefined;
  readonly handshake: HandshakeConfig;
}

/** A channel's options split in two: its own settings, and the options each new handshake gets. */
export interface ResolvedChannelOptions<H> {
  readonly settings: ChannelSettings;
  readonly handshakeOptions: H;
}

export function resolveConnectOptions(options: ConnectOptions): ResolvedChannelOptions<InitiatorOptions> {
  const given = optionsObject('options', options);
  const handshake = resolveInitiatorConfig(given, CHANNEL_OPTION_KEYS);
  return { settings: channelSettings(given, handshake), handshakeOptions: pick(given, INITIATOR_OPTION_KEYS) };
}

export function resolveAcceptOptions(options: AcceptOptions): ResolvedChannelOptions<ResponderOptions> {
  const given = optionsObject('options', options);
  const handshake = resolveResponderConfig(given, CHANNEL_OPTION_KEYS);
  return { settings: channelSettings(given, handshake), handshakeOptions: pick(given, RESPONDER_OPTION_KEYS) };
}

function channelSettings(given: ChannelOptions, handshake: HandshakeConfig): ChannelSettings {
  if (given.signal !== undefined && !isAbortSignal(given.signal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', given.signal);
  }
  return {
    clock: handshake.clock,
    handshakeRetry: durationOption('handshakeRetry', given.handshakeRetry ?? 5_000, { min: 1 }),
    handshakeTimeout: durationOption('handshakeTimeout', given.handshakeTimeout ?? 90_000, { min: 1 }),
    maxQueuedSends: integerOption('maxQueuedSends', given.maxQueuedSends ?? 1_024, {
      min: 0,
      max: Number.POSITIVE_INFINITY,
    }),
    signal: given.signal,
    handshake,
  };
}

/** The handshake's own options, so that each attempt's handshake checks only what it knows. */
function pick<H>(given: object, keys: readonly string[]): H {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (key in given) picked[key] = (given as Record<string, unknown>)[key];
  return picked as H;
}
