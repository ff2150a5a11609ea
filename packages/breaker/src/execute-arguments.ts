import { InvalidArgumentError, isAbortSignal } from '@palisade/core';

/**
 * Throws `InvalidArgumentError` for arguments `execute` cannot run with, at
 * the call site and before the circuit is asked: such a call says nothing
 * about the dependency, so it must never count as a failure nor take a
 * half-open probe's slot.
 */
export function checkExecuteArguments(fn: unknown, signal: unknown): void {
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function (context) => result', fn);
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('signal', 'an AbortSignal or undefined', signal);
  }
}
