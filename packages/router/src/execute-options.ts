import { InvalidArgumentError, isAbortSignal } from '@palisade/core';
import { numberOption } from '@palisade/core/internal';
import { type CallSettings, callSettings } from './call-host.js';
import { hashString } from './hash.js';
import type { ExecuteOptions } from './options.js';
import { readHedge } from './read-options.js';
import { rejectUnknownKeys } from './unknown-keys.js';

/** The keys of `ExecuteOptions`; the type makes the list complete. */
const EXECUTE_OPTION_KEYS: readonly string[] = Object.keys({
  signal: true,
  timeout: true,
  attemptTimeout: true,
  key: true,
  hedge: true,
  retry: true,
} satisfies Record<keyof ExecuteOptions, true>);

/** Compared one by one: this runs for each key of every call's options, where a lookup in the list costs more. */
function isExecuteOptionKey(key: string): boolean {
  return (
    key === 'timeout' ||
    key === 'signal' ||
    key === 'key' ||
    key === 'attemptTimeout' ||
    key === 'hedge' ||
    key === 'retry'
  );
}

/**
 * Checks the per-call options of `execute` over the router's `defaults`.
 * They are arguments: a bad one throws `InvalidArgumentError` at the call
 * site, never the constructor's `InvalidOptionError`.
 */
export function readExecuteOptions(options: ExecuteOptions, defaults: CallSettings): CallSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an AbortSignal or an options object', options);
  }
  for (const name in options) {
    if (!isExecuteOptionKey(name)) rejectUnknownKeys(options, EXECUTE_OPTION_KEYS, 'options.', 'argument');
  }
  const { signal, timeout, attemptTimeout, key, hedge, retry } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
  }
  if (key !== undefined && typeof key !== 'string') throw new InvalidArgumentError('options.key', 'a string', key);
  if (retry !== undefined && retry !== false) {
    throw new InvalidArgumentError('options.retry', 'false or undefined', retry);
  }
  return callSettings(
    timeout === undefined ? defaults.timeout : callLimit('options.timeout', timeout),
    attemptTimeout === undefined ? defaults.attemptTimeout : callLimit('options.attemptTimeout', attemptTimeout),
    key === undefined ? undefined : hashString(key),
    hedge === undefined ? defaults.hedge : asArgument(() => readHedge('options.hedge', hedge)),
    retry === false ? 1 : defaults.maxAttempts,
  );
}

function callLimit(name: string, value: unknown): number {
  return asArgument(() => numberOption(name, value, { min: 0, minExclusive: true, max: Number.POSITIVE_INFINITY }));
}

/** Per-call options are arguments: their errors say so. */
function asArgument<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(error.argument, error.expected, error.received);
    }
    throw error;
  }
}
