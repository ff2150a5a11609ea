import { describe, expect, it } from 'vitest';
import type { MonitorEntry } from '../../sim/monitor.ts';
import { groupMonitorEntries, monitorLines } from './monitor-groups.ts';

const refused = (at: number): MonitorEntry => ({
  at,
  kind: 'handshake refused',
  text: 'branch-b refused a handshake from mallory: ERR_PALISADE_KEY_REVOKED',
});

describe('groupMonitorEntries', () => {
  it('folds repeats into one line, so a flood of refusals cannot hide the alarm', () => {
    const alarm: MonitorEntry = { at: 12_400, kind: 'alert', text: 'branch-a’s key is in use from mallory' };
    const entries = [refused(12_000), alarm, ...Array.from({ length: 30 }, (_, i) => refused(13_000 + i * 1_000))];
    const groups = groupMonitorEntries(entries, 5);
    expect(groups).toEqual([
      { kind: 'handshake refused', text: refused(0).text, last: 42_000, first: 12_000, count: 31 },
      { kind: 'alert', text: alarm.text, last: 12_400, first: 12_400, count: 1 },
    ]);
  });

  it('keeps the newest `shown` lines, newest first', () => {
    const entries: MonitorEntry[] = Array.from({ length: 10 }, (_, i) => ({ at: i, kind: 'info', text: `entry ${i}` }));
    expect(groupMonitorEntries(entries, 3).map((group) => group.text)).toEqual(['entry 9', 'entry 8', 'entry 7']);
  });

  it('puts alarms first, however many repeats came after', () => {
    const alarm: MonitorEntry = { at: 1_000, kind: 'alert', text: 'a stolen key' };
    const later: MonitorEntry[] = Array.from({ length: 5 }, (_, i) => ({
      at: 2_000 + i,
      kind: 'info',
      text: `entry ${i}`,
    }));
    expect(monitorLines([alarm, ...later], 10)[0]).toMatchObject({ kind: 'alert' });
  });
});
