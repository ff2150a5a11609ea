import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from './throughput.js';

describe('ThroughputMeter', () => {
  it('measures finished tasks per second since the newest reading at least one window old', () => {
    const meter = new ThroughputMeter(1000, 0);
    expect(meter.read(0, 0)).toBe(0);
    expect(meter.read(500, 10)).toBe(20);
    expect(meter.read(1000, 30)).toBe(30);
    // The base is the reading at 500 ms, the newest one at least 1000 ms old: 40 − 10 in 1 s.
    expect(meter.read(1500, 40)).toBe(30);
    // Base 1000 ms: 70 − 30 over 1.2 s.
    expect(meter.read(2200, 70)).toBeCloseTo(33.33, 2);
    expect(meter.read(5000, 70)).toBe(0);
  });
});
