import { describe, expect, it } from 'vitest';
import { parseRetryAfterHeader, readRetryAfter } from './retry-after.js';

describe('retry-after hints', () => {
  it('reads a numeric retryAfter in milliseconds', () => {
    expect(readRetryAfter({ error: Object.assign(new Error('busy'), { retryAfter: 1_500 }) }, 0)).toBe(1_500);
  });

  it('reads a Retry-After header in seconds or as an HTTP date, from a Headers object or a plain record', () => {
    const response = { status: 503, headers: new Headers({ 'Retry-After': '2' }) };
    expect(readRetryAfter({ value: response }, 0)).toBe(2_000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const dated = { response: { headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' } } };
    expect(readRetryAfter({ error: dated }, now)).toBe(5_000);
  });

  it('has no hint for anything else', () => {
    expect(readRetryAfter({ error: new Error('x') }, 0)).toBeUndefined();
    expect(readRetryAfter({ error: 'text' }, 0)).toBeUndefined();
    expect(readRetryAfter({ value: { headers: new Headers() } }, 0)).toBeUndefined();
    expect(readRetryAfter({ error: { retryAfter: -1 } }, 0)).toBeUndefined();
    expect(parseRetryAfterHeader('soon', 0)).toBeUndefined();
    expect(parseRetryAfterHeader('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2016-01-01'))).toBe(0);
  });
});
