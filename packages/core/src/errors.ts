import { TaskCancelledError } from 'cockatiel';

/**
 * Registered symbol, so errors from two copies of `@palisade/core` in one
 * dependency tree still recognise each other.
 */
const palisadeErrorBrand: unique symbol = Symbol.for('@palisade/core/error') as never;

/**
 * The codes of core's own errors, so that a `switch (error.code)` over them is
 * checked. Each package exports its own union (`BreakerErrorCode`, …).
 */
export type CoreErrorCode =
  | 'ERR_PALISADE_INVALID_ARGUMENT'
  | 'ERR_PALISADE_INVALID_OPTION'
  | 'ERR_PALISADE_CANCELLED'
  | 'ERR_PALISADE_DEADLINE_EXCEEDED'
  | 'ERR_PALISADE_CLOCK_REENTRANT'
  | 'ERR_PALISADE_CLOCK_RUNAWAY';

/** Anything palisade throws has a stable, documented `code`. */
export interface PalisadeErrorLike extends Error {
  readonly code: string;
}

/**
 * Gives `error` a stable `code` and makes it `instanceof PalisadeError`.
 * Packages use it for errors that must subclass a cockatiel error (so that
 * existing `catch` blocks keep working) and so cannot extend PalisadeError.
 */
export function brandError<E extends Error>(error: E, code: string): E & PalisadeErrorLike {
  Object.defineProperty(error, palisadeErrorBrand, { value: true });
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error as E & PalisadeErrorLike;
}

/** True for every error thrown by a palisade package. */
export function isPalisadeError(value: unknown): value is PalisadeErrorLike {
  return value instanceof Error && palisadeErrorBrand in value;
}

/**
 * Base class of palisade's errors. Each failure kind is its own subclass with a
 * stable `code`; match on `code` or `instanceof`, never on `message`.
 *
 * `instanceof PalisadeError` is also true for palisade errors that subclass
 * cockatiel errors (for example the breaker's open-circuit error).
 */
export class PalisadeError extends Error implements PalisadeErrorLike {
  declare readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    brandError(this, code);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep ordinary prototype-chain semantics; only the base class
    // widens to branded errors that could not inherit from it. `this` is the
    // class on the right of `instanceof`, which is the point.
    // biome-ignore lint/complexity/noThisInStatic: see above
    if (this !== PalisadeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isPalisadeError(value);
  }
}

/** A public function was called with an argument outside its contract. */
export class InvalidArgumentError extends PalisadeError {
  override readonly name: string = 'InvalidArgumentError';
  declare readonly code: 'ERR_PALISADE_INVALID_ARGUMENT' | 'ERR_PALISADE_INVALID_OPTION';
  /** The argument's name, as in the function's signature. */
  readonly argument: string;
  /** What was allowed, in words or interval notation: `an integer in [1, ∞)`. */
  readonly expected: string;
  /** What was passed. */
  readonly received: unknown;

  constructor(
    argument: string,
    expected: string,
    received: unknown,
    code: 'ERR_PALISADE_INVALID_ARGUMENT' | 'ERR_PALISADE_INVALID_OPTION' = 'ERR_PALISADE_INVALID_ARGUMENT',
  ) {
    super(
      code,
      `Invalid ${describeTarget(code)} "${argument}": expected ${expected}, received ${describeValue(received)}.`,
    );
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** An options object had a field outside its documented range. Thrown at construction. */
export class InvalidOptionError extends InvalidArgumentError {
  override readonly name: string = 'InvalidOptionError';
  declare readonly code: 'ERR_PALISADE_INVALID_OPTION';

  constructor(option: string, expected: string, received: unknown) {
    super(option, expected, received, 'ERR_PALISADE_INVALID_OPTION');
  }

  /** The option's name; dotted for nested options (`halfOpen.calls`). */
  get option(): string {
    return this.argument;
  }
}

/**
 * The caller's AbortSignal fired. Subclasses cockatiel's TaskCancelledError,
 * which is what cockatiel throws for cancellation; the signal's reason is the
 * `cause`.
 */
export class CancelledError extends TaskCancelledError {
  override readonly name: string = 'CancelledError';
  declare readonly code: 'ERR_PALISADE_CANCELLED';

  constructor(reason?: unknown) {
    super('The operation was cancelled by its AbortSignal.');
    if (reason !== undefined) this.cause = reason;
    brandError(this, 'ERR_PALISADE_CANCELLED');
  }
}

/**
 * A deadline passed before the work settled. Subclasses TaskCancelledError,
 * which is what cockatiel's timeout policy throws.
 */
export class DeadlineExceededError extends TaskCancelledError {
  override readonly name: string = 'DeadlineExceededError';
  declare readonly code: 'ERR_PALISADE_DEADLINE_EXCEEDED';

  /** The budget that ran out, in milliseconds. */
  readonly timeout: number;

  constructor(timeout: number, message = `The deadline of ${timeout} ms passed before the operation settled.`) {
    super(message);
    this.timeout = timeout;
    brandError(this, 'ERR_PALISADE_DEADLINE_EXCEEDED');
  }
}

function describeTarget(code: CoreErrorCode): string {
  return code === 'ERR_PALISADE_INVALID_OPTION' ? 'option' : 'argument';
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
