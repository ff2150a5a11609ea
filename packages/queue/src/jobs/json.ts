import { PayloadNotJsonError } from './errors.js';

/** A value that survives `JSON.stringify` and `JSON.parse` unchanged. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Deeper than this is almost always a cycle-like structure or a mistake; it would also blow the parser's stack elsewhere. */
const MAX_DEPTH = 256;

/**
 * Throws `PayloadNotJsonError` unless `value` is plain JSON data: what a job
 * carries to another process must arrive as it was sent, so values that JSON
 * would drop (`undefined`, functions, symbols), change (`Date`, `NaN`, `Map`,
 * class instances) or refuse (`bigint`, cycles) are refused here, at the call
 * site, with the path to the first one.
 */
export function checkJson(value: unknown, path: string): void {
  visit(value, path, 0, new Set());
}

function visit(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new PayloadNotJsonError(path, `${value} has no JSON form`, value);
      return;
    case 'object':
      break;
    default:
      throw new PayloadNotJsonError(path, `a ${typeof value} has no JSON form`, value);
  }
  if (value === null) return;
  if (depth >= MAX_DEPTH) throw new PayloadNotJsonError(path, `nested deeper than ${MAX_DEPTH} levels`, value);
  if (ancestors.has(value)) throw new PayloadNotJsonError(path, 'it refers to itself (a cycle)', value);
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visit(value[i], `${path}[${i}]`, depth + 1, ancestors);
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new PayloadNotJsonError(path, `a ${kind} is not a plain object`, value);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new PayloadNotJsonError(path, 'symbol-keyed properties have no JSON form', value);
    }
    for (const [key, member] of Object.entries(value)) {
      visit(
        member,
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        depth + 1,
        ancestors,
      );
    }
  }
  ancestors.delete(value);
}

/** A deep copy through JSON, which is what a job's payload and result become on Redis. `undefined` reads as null. */
export function jsonCopy<T>(value: T): T {
  if (value === undefined) return null as T;
  return JSON.parse(JSON.stringify(value)) as T;
}
