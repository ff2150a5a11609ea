import { describe, expect, it } from 'vitest';
import { describeWire, formatClock } from './format.ts';

describe('format', () => {
  it('reads virtual time as a clock', () => {
    expect(formatClock(0)).toBe('0:00.0');
    expect(formatClock(65_250)).toBe('1:05.2');
  });

  it('shows unsealed messages as text and sealed ones as hex', () => {
    const bytes = new TextEncoder().encode('\u0001\u0000TX tx-a-16 transfer 540');
    expect(describeWire(bytes, true)).toBe('··TX tx-a-16 transfer 540');
    expect(describeWire(bytes.subarray(0, 4), false)).toBe('01 00 54 58');
    expect(describeWire(new Uint8Array(200), false, 8)).toBe('00 00 00 00 00 00 00 00 … (200 bytes)');
  });
});
