import { describe, expect, it } from 'vitest';
import { describeWire, formatClock } from './format.ts';

describe('format', () => {
  it('reads virtual time as a clock', () => {
    expect(formatClock(0)).toBe('0:00.0');
    expect(formatClock(65_250)).toBe('1:05.2');
  });

  it('shows plain frames as text and sealed ones as hex', () => {
    const plain = describeWire(new TextEncoder().encode('\u0001\u0000TX tx-a-16 transfer 540 from a to b'));
    expect(plain).toEqual({ readable: true, text: '··TX tx-a-16 transfer 540 from a to b' });
    const sealed = describeWire(Uint8Array.from({ length: 40 }, (_, index) => (index * 97 + 13) % 256));
    expect(sealed.readable).toBe(false);
    expect(sealed.text).toMatch(/^0d 6e cf 30/);
    expect(describeWire(new Uint8Array(200), 8).text).toBe('00 00 00 00 00 00 00 00 … (200 bytes)');
  });
});
