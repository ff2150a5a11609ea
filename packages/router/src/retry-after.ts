import type { FailureReason } from 'cockatiel';

/**
 * Reads a server's hint of how long to wait before retrying, in
 * milliseconds, from a failure; undefined when there is none.
 */
export type RetryAfterReader = (reason: FailureReason<unknown>, now: number) => number | undefined;

interface HeadersLike {
  get(name: string): string | null | undefined;
}

/**
 * The default `retry.retryAfter`: a numeric `retryAfter` property in
 * milliseconds (what palisade's own errors carry), or an HTTP `Retry-After`
 * header, in seconds or as a date, on the result or error (`headers`) or on
 * the error's `response` (as fetch wrappers and axios attach it).
 */
export const readRetryAfter: RetryAfterReader = (reason, now) => {
  const source: unknown = 'error' in reason ? reason.error : reason.value;
  if (typeof source !== 'object' || source === null) return undefined;
  const direct = (source as { retryAfter?: unknown }).retryAfter;
  if (typeof direct === 'number' && Number.isFinite(direct) && direct >= 0) return direct;
  const header =
    headerOf((source as { headers?: unknown }).headers) ??
    headerOf((source as { response?: { headers?: unknown } }).response?.headers);
  return header === undefined ? undefined : parseRetryAfterHeader(header, now);
};

function headerOf(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (typeof (headers as Partial<HeadersLike>).get === 'function') {
    return (headers as HeadersLike).get('retry-after') ?? undefined;
  }
  const plain = (headers as Record<string, unknown>)['retry-after'];
  return typeof plain === 'string' ? plain : undefined;
}

/** RFC 9110 §10.2.3: a number of seconds, or an HTTP date. */
export function parseRetryAfterHeader(value: string, now: number): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
