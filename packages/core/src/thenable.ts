/**
 * Whether a function's result is a promise or promise-like. Checked by shape,
 * as `await` does, so a thenable from another library is awaited too; a
 * plain value lets the caller settle synchronously without a microtask.
 */
export function isThenable<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}
