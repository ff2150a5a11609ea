import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from './prometheus-text.ts';

describe('parsePrometheusText', () => {
  it('reads samples with labels, escapes and special values, skipping comments', () => {
    const text = [
      '# HELP bank_writes_total Transfers written.',
      '# TYPE bank_writes_total counter',
      'bank_writes_total{result="applied",otel_scope_name="branch-1"} 12',
      'bank_writes_total{result="duplicate"} 3 1700000000000',
      'bank_redis_up 1',
      'weird{a="x\\"y",b="line\\nbreak",c="back\\\\slash"} +Inf',
      '',
      'nan_metric NaN',
    ].join('\n');
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(5);
    expect(samples[0]).toEqual({
      name: 'bank_writes_total',
      labels: { result: 'applied', otel_scope_name: 'branch-1' },
      value: 12,
    });
    expect(samples[3]?.labels).toEqual({ a: 'x"y', b: 'line\nbreak', c: 'back\\slash' });
    expect(samples[3]?.value).toBe(Infinity);
    expect(samples[4]?.value).toBeNaN();
    expect(sumOf(samples, 'bank_writes_total')).toBe(15);
    expect(sumOf(samples, 'bank_writes_total', { result: 'duplicate' })).toBe(3);
    expect(sumOf(samples, 'absent')).toBe(0);
  });

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('bank writes 1 2 3')).toThrow(/not a Prometheus sample/);
  });
});
